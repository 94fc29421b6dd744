namespace L4Conf.Model.Abi;

/// <summary>The real C/C++ name of an ABI constant, so `l4conf abi --json` can be checked against the headers.</summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class RealAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>The real source files an ABI enum or constant class is taken from.</summary>
[AttributeUsage(AttributeTargets.Enum | AttributeTargets.Class)]
public sealed class SourceAttribute(params string[] files) : Attribute
{
    public IReadOnlyList<string> Files { get; } = files;
}
