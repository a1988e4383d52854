package io.mpool.loadtest.compare;

import java.util.List;

/**
 * The report's closing "What is left" section: the targets this run missed and mp's CPU per
 * request against nginx, listed by the generator; why each is left and what would close it is
 * written by hand below the report's notes marker, for which the section carries a template (in
 * an HTML comment, so it shows only to whoever edits the file).
 */
final class WhatIsLeft {
    static final String HEADING = "## What is left";

    private WhatIsLeft() {
    }

    /**
     * @param targets     every target line of the report ("...: met" or "...: MISSED")
     * @param nginxRatios per workload measured against nginx, mp's and stock Undertow's CPU ratio to it
     */
    static String render(List<String> targets, List<String> nginxRatios) {
        StringBuilder md = new StringBuilder(HEADING).append("\n\n");
        List<String> missed = targets.stream().filter(t -> t.endsWith("MISSED)")).toList();
        if (missed.isEmpty()) {
            md.append(targets.isEmpty() ? "No target was measured in this run.\n\n"
                    : "Every target above was met in this run.\n\n");
        } else {
            md.append("Missed in this run (").append(missed.size()).append(" of ").append(targets.size())
                    .append(" targets):\n\n");
            missed.forEach(t -> md.append("- ").append(t).append('\n'));
            md.append('\n');
        }
        if (!nginxRatios.isEmpty()) {
            md.append("Against nginx (the JVM's floor is stock Undertow's ratio beside mp's):\n\n");
            nginxRatios.forEach(r -> md.append("- ").append(r).append('\n'));
            md.append('\n');
        }
        md.append("Why each is left and what would close it: in the notes below.\n\n");
        md.append("<!-- Template for the notes below the marker, one line per missed target or gap:\n");
        md.append("- **workload (id)**: mp / other = r× in this run. What the profile shows: ... What would close it:"
                + " ... Why not yet: ...\n");
        md.append("-->\n");
        return md.toString();
    }
}
