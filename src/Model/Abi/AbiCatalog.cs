using System.Reflection;

namespace L4Conf.Model.Abi;

/// <summary>One ABI constant with its real name and the files it is taken from.</summary>
public sealed record AbiConstant(string Group, string Name, long Value, string ModelName, IReadOnlyList<string> Source);

/// <summary>Every constant of the Abi namespace, read from the enums themselves so there is one source of truth.</summary>
public static class AbiCatalog
{
    public static IReadOnlyList<AbiConstant> All { get; } = Build();

    private static List<AbiConstant> Build()
    {
        var list = new List<AbiConstant>();
        var types = typeof(AbiCatalog).Assembly.GetTypes()
            .Where(t => t.IsEnum && t.Namespace == typeof(AbiCatalog).Namespace && t.GetCustomAttribute<SourceAttribute>() != null)
            .OrderBy(t => t.Name, StringComparer.Ordinal);
        foreach (var t in types)
        {
            var src = t.GetCustomAttribute<SourceAttribute>()!.Files;
            foreach (var f in t.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                var real = f.GetCustomAttribute<RealAttribute>();
                if (real == null) continue;
                var raw = f.GetRawConstantValue()!;
                long value = raw is ulong u ? unchecked((long)u) : Convert.ToInt64(raw);
                list.Add(new AbiConstant(t.Name, real.Name, value, $"{t.Name}.{f.Name}", src));
            }
        }
        return list;
    }
}
