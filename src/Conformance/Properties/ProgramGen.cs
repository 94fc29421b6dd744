using FsCheck;
using FsCheck.Fluent;

namespace L4Conf.Conformance.Properties;

/// <summary>Random programs as arrays of steps, and the shrinks the properties share.</summary>
public static class ProgramGen
{
    /// <summary>A program of 1..<paramref name="maxLen"/> steps.</summary>
    public static Gen<T[]> Of<T>(Gen<T> step, int maxLen) =>
        Gen.Choose(1, maxLen).SelectMany(n => Gen.ListOf(step, n).Select(l => l.ToArray()));

    /// <summary>Every program with one step left out.</summary>
    public static IEnumerable<T[]> DropOne<T>(T[] steps)
    {
        for (int i = 0; i < steps.Length; i++)
            yield return steps.Take(i).Concat(steps.Skip(i + 1)).ToArray();
    }

    /// <summary>Drops halves, then single steps: the report shows the shortest failing program found.</summary>
    public static IEnumerable<T[]> Shrink<T>(T[] steps)
    {
        if (steps.Length > 1)
        {
            yield return steps[..(steps.Length / 2)];
            yield return steps[(steps.Length / 2)..];
        }
        foreach (var s in DropOne(steps)) yield return s;
    }
}
