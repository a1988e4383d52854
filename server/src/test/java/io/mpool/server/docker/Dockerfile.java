package io.mpool.server.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Dockerfile read into instructions, each with the line it starts on, grouped by stage. Just
 * enough of the format for our checks: comments, line continuations, {@code KEY=value} ENV pairs
 * (quoted or not), JSON-array (exec form) arguments, and build arguments as Docker reads them: an
 * {@code ARG} before the first FROM is global and may appear in FROM (its default is what a plain
 * {@code docker build} uses, so FROM is read with it); an {@code ARG NAME} inside a stage brings
 * it into that stage's LABELs.
 */
record Dockerfile(List<Stage> stages) {

    /** One instruction: keyword upper-cased, arguments as written (continuations joined). */
    record Instruction(int line, String keyword, String arguments) {
        @Override
        public String toString() {
            return "Dockerfile:" + line + ": " + keyword + " " + arguments;
        }
    }

    /**
     * A build stage: its FROM (build arguments replaced by their defaults) and what follows until
     * the next FROM; {@code args} holds the build arguments the stage declares, with their values.
     */
    record Stage(Instruction from, String name, List<Instruction> instructions, Map<String, String> args) {
        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        Instruction last(String keyword) {
            List<Instruction> found = all(keyword);
            return found.isEmpty() ? null : found.get(found.size() - 1);
        }

        /** LABELs of this stage, in order, the stage's build arguments replaced; later values win. */
        Map<String, String> labels() {
            Map<String, String> labels = new LinkedHashMap<>();
            for (Instruction instruction : all("LABEL")) {
                labelPairs(instruction.arguments()).forEach((key, value) -> labels.put(key, expand(value, args)));
            }
            return labels;
        }

        /** Where this stage's COPY instructions put build-context files: image path to context path. */
        Map<String, String> contextCopies() {
            Map<String, String> copies = new LinkedHashMap<>();
            for (Instruction copy : all("COPY")) {
                List<String> words = operands(copy.arguments());
                if (!copy.arguments().startsWith("--from=") && words.size() == 2) {
                    copies.put(words.get(1), words.get(0));
                }
            }
            return copies;
        }

        /** ENV of this stage, in order; later values win. */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction instruction : all("ENV")) {
                env.putAll(envPairs(instruction.arguments()));
            }
            return env;
        }

        String workdir() {
            Instruction workdir = last("WORKDIR");
            return workdir == null ? "/" : workdir.arguments().trim();
        }
    }

    private static final Pattern ENV_PAIR = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S*))");
    /** LABEL keys may hold dots and dashes (org.opencontainers.image.title). */
    private static final Pattern LABEL_PAIR = Pattern.compile("([A-Za-z0-9_.-]+)=(\"((?:[^\"\\\\]|\\\\.)*)\"|(\\S*))");
    /** {@code ARG NAME} or {@code ARG NAME=default}. */
    private static final Pattern ARG = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?:=(\\S*))?");
    /** A use of a build argument: {@code ${NAME}} or {@code $NAME}. */
    private static final Pattern ARG_USE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}|\\$([A-Za-z_][A-Za-z0-9_]*)");

    static Dockerfile parse(String text) {
        List<Stage> stages = new ArrayList<>();
        Map<String, String> globalArgs = new LinkedHashMap<>();
        List<Instruction> current = null;
        Map<String, String> currentArgs = null;
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int start = i + 1;
            StringBuilder joined = new StringBuilder();
            while (line.endsWith("\\") && i + 1 < lines.length) {
                joined.append(line, 0, line.length() - 1).append(' ');
                line = lines[++i].strip();
                while (line.startsWith("#") && i + 1 < lines.length) {
                    line = lines[++i].strip();
                }
            }
            joined.append(line);
            String instructionText = joined.toString().strip();
            int space = instructionText.indexOf(' ');
            String keyword = (space < 0 ? instructionText : instructionText.substring(0, space)).toUpperCase(Locale.ROOT);
            String arguments = space < 0 ? "" : instructionText.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                arguments = expand(arguments, globalArgs);
            }
            Instruction instruction = new Instruction(start, keyword, arguments);
            Matcher arg = keyword.equals("ARG") ? ARG.matcher(arguments) : null;
            if (arg != null && !arg.matches()) {
                throw new IllegalArgumentException("Dockerfile:" + start + ": ARG " + arguments
                        + " (expected: NAME or NAME=default, one per ARG)");
            }
            if (keyword.equals("FROM")) {
                current = new ArrayList<>();
                currentArgs = new LinkedHashMap<>();
                String[] words = arguments.split("\\s+");
                String name = words.length >= 3 && words[1].equalsIgnoreCase("AS") ? words[2] : null;
                stages.add(new Stage(instruction, name, current, currentArgs));
            } else if (current != null) {
                current.add(instruction);
                if (arg != null) {
                    // Inside a stage, ARG NAME without a default takes the global one.
                    currentArgs.put(arg.group(1), arg.group(2) != null ? arg.group(2) : globalArgs.get(arg.group(1)));
                }
            } else if (arg != null) {
                globalArgs.put(arg.group(1), arg.group(2));
            } else {
                throw new IllegalArgumentException("Dockerfile:" + start + ": " + keyword + " before any FROM");
            }
        }
        return new Dockerfile(stages);
    }

    /** The text with each build argument that has a value replaced by it; others stay as written. */
    static String expand(String text, Map<String, String> args) {
        Matcher use = ARG_USE.matcher(text);
        StringBuilder expanded = new StringBuilder();
        while (use.find()) {
            String value = args.get(use.group(1) != null ? use.group(1) : use.group(2));
            use.appendReplacement(expanded, Matcher.quoteReplacement(value != null ? value : use.group()));
        }
        return use.appendTail(expanded).toString();
    }

    static Map<String, String> envPairs(String arguments) {
        return pairs(ENV_PAIR, arguments);
    }

    static Map<String, String> labelPairs(String arguments) {
        return pairs(LABEL_PAIR, arguments);
    }

    private static Map<String, String> pairs(Pattern pattern, String arguments) {
        Map<String, String> pairs = new LinkedHashMap<>();
        Matcher matcher = pattern.matcher(arguments);
        while (matcher.find()) {
            String value = matcher.group(3) != null ? matcher.group(3).replaceAll("\\\\(.)", "$1") : matcher.group(4);
            pairs.put(matcher.group(1), value);
        }
        return pairs;
    }

    /** The words of COPY or RUN arguments after their leading {@code --flag=value} options. */
    static List<String> operands(String arguments) {
        List<String> words = new ArrayList<>(List.of(arguments.strip().split("\\s+")));
        while (!words.isEmpty() && words.get(0).startsWith("--")) {
            words.remove(0);
        }
        return words;
    }

    /** The exec-form (JSON array) arguments of an instruction, or null for the shell form. */
    static List<String> execForm(String arguments) {
        String text = arguments.strip();
        if (!text.startsWith("[")) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        Matcher matcher = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(text);
        while (matcher.find()) {
            parts.add(matcher.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return parts;
    }

    Stage finalStage() {
        return stages.get(stages.size() - 1);
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> name.equals(s.name())).findFirst().orElse(null);
    }
}
