package io.ertcp.engine.cluster.config;

import org.snakeyaml.engine.v2.nodes.Node;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The problems found in one cluster file, each a sentence with its line, so that all of them are
 * reported at once and in file order.
 */
final class Problems
{
    private record Problem(int line, String sentence)
    {
    }

    private final List<Problem> problems = new ArrayList<>();

    /** @param at the YAML node the problem is about; its line starts the sentence. */
    void add(final Node at, final String sentence)
    {
        add(at == null ? 0 : at.getStartMark().map(mark -> mark.getLine() + 1).orElse(0), sentence);
    }

    /** @param line 1-based, or 0 when the problem has no one line (it is put first). */
    void add(final int line, final String sentence)
    {
        problems.add(new Problem(line, sentence));
    }

    boolean isEmpty()
    {
        return problems.isEmpty();
    }

    List<String> sentences()
    {
        return problems.stream()
            .sorted(Comparator.comparingInt(Problem::line))
            .map(problem -> problem.line == 0 ? capitalise(problem.sentence) : "line " + problem.line + ": " + problem.sentence)
            .toList();
    }

    private static String capitalise(final String sentence)
    {
        return sentence.isEmpty() ? sentence : Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1);
    }
}
