using AprOrleans.Countdown.Trace;

namespace AprOrleans.Reasoning.Evaluation;

/// <summary>
/// What makes two answers the same answer for a majority vote (cons@n): the operations they take, in order,
/// however their node ids and state lines read.
/// </summary>
public static class AnswerKey
{
    public static string Of(string answer) =>
        string.Join('|', answer.Split('\n').Where(l => l.StartsWith(TraceLiterals.ExploringOperation, StringComparison.Ordinal)));
}
