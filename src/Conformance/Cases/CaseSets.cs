using L4Conf.Conformance.Suite;

namespace L4Conf.Conformance.Cases;

/// <summary>Every case set of the suite; a new set is added here.</summary>
public static class CaseSets
{
    public static IEnumerable<ConformanceCase> All() =>
        AbiCases.Cases()
            .Concat(BootCases.Cases())
            .Concat(InvocationCases.Cases())
            .Concat(FactoryCases.Cases())
            .Concat(MapCases.Cases())
            .Concat(UnmapCases.Cases())
            .Concat(ObjectCases.Cases())
            .Concat(ThreadCases.Cases())
            .Concat(CaplifeCase.Cases())
            .Concat(DumpCases.Cases())
            .Concat(IpcCases.Cases())
            .Concat(FileServerCase.Cases())
            .Concat(TraceCases.Cases())
            .Concat(MemCases.Cases())
            .Concat(MemCases.SuperpageLimits())
            .Concat(MachineCases.Cases())
            .Concat(X87Cases.Cases())
            .Concat(MmuCases.Cases())
            .Concat(RuntimeCases.Cases())
            .Concat(RuntimeObjectCases.Cases())
            .Concat(MoeCases.Cases())
            .Concat(NedScriptCases.Cases())
            .Concat(MbtCases.Cases())
            .Concat(Properties.PropertyCases.Cases());

    internal static ConformanceCase Case(string id, string title, string[] clauses, Action<CaseContext> run) =>
        new(id, title, clauses, run);
}
