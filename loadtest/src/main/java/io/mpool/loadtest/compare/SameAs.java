package io.mpool.loadtest.compare;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --same-as REPORT}: the options an earlier report was made with (recorded in it as
 * {@link #comment(List)}), so one command repeats that measurement against a newer build. Options
 * given on the command line replace the recorded ones; {@code --out} and {@code --root} are never
 * taken from the report (a rerun must not overwrite the report it repeats).
 */
final class SameAs {
    static final String OPTION = "--same-as";
    private static final Set<String> NOT_REPEATED = Set.of("--out", "--root", OPTION);
    private static final Pattern COMMENT = Pattern.compile("<!-- compare-args: (\\[.*]) -->");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SameAs() {
    }

    /** The line a report records its options in. */
    static String comment(List<String> args) {
        try {
            return "<!-- compare-args: " + JSON.writeValueAsString(args) + " -->";
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + args + " as JSON", e);
        }
    }

    /** The options recorded in a report. */
    static List<String> recorded(String report, Path from) {
        Matcher matcher = COMMENT.matcher(report);
        if (!matcher.find()) {
            throw new IllegalArgumentException(OPTION + "=" + from + " (expected: a report written by Compare, with its"
                    + " <!-- compare-args: [...] --> line)");
        }
        try {
            return JSON.readValue(matcher.group(1), new TypeReference<List<String>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(OPTION + "=" + from + ": unreadable compare-args line: " + e.getMessage(), e);
        }
    }

    /** {@code args} unchanged without --same-as; else the report's options, then the given ones. */
    static String[] expand(String[] args, CommandSpec spec) throws IOException {
        Path report = null;
        List<String> given = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals(OPTION) && i + 1 < args.length) {
                report = Path.of(args[++i]);
            } else if (args[i].startsWith(OPTION + "=")) {
                report = Path.of(args[i].substring(OPTION.length() + 1));
            } else {
                given.add(args[i]);
            }
        }
        if (report == null) {
            return args;
        }
        Set<String> overridden = new HashSet<>(NOT_REPEATED);
        for (Option option : options(given, spec)) {
            overridden.addAll(option.names);
        }
        List<String> merged = new ArrayList<>();
        for (Option option : options(recorded(Files.readString(report), report), spec)) {
            if (option.names.stream().noneMatch(overridden::contains)) {
                merged.addAll(option.tokens);
            }
        }
        merged.addAll(given);
        return merged.toArray(String[]::new);
    }

    /** One option as written: its tokens, and every name it goes by. */
    private record Option(List<String> tokens, List<String> names) {
    }

    private static List<Option> options(List<String> args, CommandSpec spec) {
        List<Option> options = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String token = args.get(i);
            String name = token.contains("=") ? token.substring(0, token.indexOf('=')) : token;
            OptionSpec option = spec.findOption(name);
            if (option == null) {
                throw new IllegalArgumentException("unknown option '" + token + "' (expected: one of compare's options)");
            }
            List<String> tokens = new ArrayList<>(List.of(token));
            if (!token.contains("=") && option.arity().max() > 0 && i + 1 < args.size()) {
                tokens.add(args.get(++i));
            }
            options.add(new Option(tokens, List.of(option.names())));
        }
        return options;
    }
}
