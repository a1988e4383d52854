package io.mpool.server.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The first line of a usage error (exit 2), naming the setting as the user gave it: the flag
 * with the value as typed ({@code --buffer-size=99g}, not the bytes it was converted to), or the
 * {@code MPOOL_*} variable when the value came from the environment. The second line is always
 * {@link #HINT}.
 *
 * <p>Range checks run after conversion, in {@link ServerConfig} and {@link RequestLimits} (which
 * the embedding API goes through too), and word their errors {@code --flag=value (expected: ...)}
 * (STYLE.md); {@link #setting} puts the typed value, and the variable, back in.
 */
final class UsageErrors {
    static final String PREFIX = "mpool-server: ";
    static final String HINT = "Try --help for the options.";
    /** A message's leading flag and, if there is one, its {@code =value} (up to the first space). */
    /** How far a typo may be from an option for us to suggest it. */
    private static final int MAX_TYPO_EDITS = 2;
    private static final Pattern LEADING_SETTING = Pattern.compile("^(--[a-z0-9][a-z0-9-]*)(=\\S*)?");

    private final CommandSpec spec;
    private final List<String> args;
    private final Function<String, String> environment;

    UsageErrors(CommandSpec spec, List<String> args, Function<String, String> environment) {
        this.spec = spec;
        this.args = args;
        this.environment = environment;
    }

    /** The variable an option reads: {@code --buffer-size} reads {@code MPOOL_BUFFER_SIZE}. */
    static String variable(OptionSpec option) {
        return "MPOOL_" + option.longestName().substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** A value picocli could not convert: {@code --flag=typed (expected: ...)} or {@code MPOOL_X=value (...)}. */
    String badValue(OptionSpec option, String typed, String expected) {
        return source(option, typed) + " " + expected;
    }

    /**
     * A message from a range check, its leading {@code --flag=converted} replaced by the setting
     * as given; a message that does not start with a flag is left as it is.
     */
    String setting(String message) {
        Matcher leading = LEADING_SETTING.matcher(message);
        if (!leading.find()) {
            return message;
        }
        OptionSpec option = spec.findOption(leading.group(1));
        if (option == null) {
            return message;
        }
        String given = typedOnCommandLine(option);
        String shown;
        if (given == null && environment.apply(variable(option)) != null) {
            shown = leading.group(2) == null ? variable(option) : variable(option) + "=" + environment.apply(variable(option));
        } else if (given != null && leading.group(2) != null) {
            shown = option.longestName() + "=" + given;
        } else {
            return message;
        }
        return shown + message.substring(leading.end());
    }

    /** An option or argument we do not have: what was typed and, if one is close, a suggestion. */
    static String unmatched(CommandLine.UnmatchedArgumentException e) {
        List<String> unmatched = e.getUnmatched();
        String typed = unmatched.isEmpty() ? "" : unmatched.get(0);
        String what = e.isUnknownOption() ? "unknown option '" : "unexpected argument '";
        int equals = typed.indexOf('=');
        List<String> suggestions = closest(e.getCommandLine().getCommandSpec(),
                equals < 0 ? typed : typed.substring(0, equals));
        if (suggestions.isEmpty()) {
            suggestions = e.getSuggestions();
        }
        if (suggestions.isEmpty()) {
            return what + typed + "'";
        }
        return what + typed + "' (did you mean " + String.join(" or ", suggestions.subList(0,
                Math.min(suggestions.size(), 3))) + "?)";
    }

    /**
     * The options at the smallest edit distance from {@code typed} (a swap of neighbours counts
     * one), if it is at most {@link #MAX_TYPO_EDITS}: picocli's own suggestions compare letter
     * pairs, which miss {@code --prot} for {@code --port}.
     */
    static List<String> closest(CommandSpec spec, String typed) {
        List<String> closest = new ArrayList<>();
        int best = MAX_TYPO_EDITS + 1;
        for (OptionSpec option : spec.options()) {
            int distance = editDistance(typed, option.longestName());
            if (distance < best) {
                best = distance;
                closest.clear();
            }
            if (distance == best) {
                closest.add(option.longestName());
            }
        }
        return closest;
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions, adjacent swaps. */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Where {@code option}'s value came from: {@code --flag=typed}, or {@code MPOOL_X=value}. */
    private String source(OptionSpec option, String value) {
        if (typedOnCommandLine(option) == null && environment.apply(variable(option)) != null) {
            return variable(option) + "=" + value;
        }
        return option.longestName() + "=" + value;
    }

    /** The value as typed the last time {@code option} was given on the command line, or null. */
    private String typedOnCommandLine(OptionSpec option) {
        String typed = null;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            for (String name : option.names()) {
                if (arg.equals(name) && i + 1 < args.size()) {
                    typed = args.get(i + 1);
                } else if (arg.startsWith(name + "=")) {
                    typed = arg.substring(name.length() + 1);
                }
            }
        }
        return typed;
    }

    /** The environment as the server reads it. */
    static Function<String, String> systemEnvironment() {
        Map<String, String> environment = System.getenv();
        return environment::get;
    }
}
