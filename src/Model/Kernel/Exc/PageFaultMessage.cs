using L4Conf.Model.Machine;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The page-fault message word 0 (fiasco src/kern/ia32/paging-ia32.cpp PF::addr_to_msgword0; abi-facts §9.1):
/// the address with its low 3 bits replaced by present | write | fetch. The pager IPC's MR0 and the trampoline
/// handler's RSI carry it; the capture checker tests real faults against the same rule.
/// </summary>
public static class PageFaultMessage
{
    public static ulong Word0(ulong pfa, ulong errorCode) =>
        (pfa & ~7UL) | (errorCode & 3) | ((errorCode & (ulong)PfErr.InstrFetch) != 0 ? 4UL : 0);
}
