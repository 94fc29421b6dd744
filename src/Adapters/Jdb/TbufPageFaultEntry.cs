using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// A `pf:` entry, a user page fault (fiasco tb_entry_output.cpp, formatter_pf): `pf:  <thread> pfa=%016lx
/// ip=%016lx (<cause><p|->) spc=%p (DID=<hex>|???) err=%lx`. The cause letter is X for an instruction fetch,
/// else W for a write, else R, lower case for a user-mode fault; `p` when the page was present. These follow from
/// the x86 error code (bit 0 present, 1 write, 2 user, 4 fetch), so the letters are checked against err.
/// </summary>
internal static class TbufPageFaultEntry
{
    public static PageFault Parse(string body, int line, ulong kclk)
    {
        var s = new TbufScanner(body);
        s.Expect("pf:  ", "'pf:  '");
        var (thread, threadRef) = TbufThread.Parse(s.Until(" ", "the thread"));
        s.Expect("pfa=", "'pfa=<hex>' after the thread");
        var pfa = TbufHex.Parse(s.Until(" ", "the fault address"), "the fault address after pfa=");
        s.Expect("ip=", "'ip=<hex>' after the fault address");
        var ip = TbufHex.Parse(s.Until(" ", "the instruction pointer"), "the instruction pointer after ip=");
        s.Expect("(", "'(<access>)' after the instruction pointer");
        var access = s.Until(") ", "the access letters");
        s.Expect("spc=", "'spc=<pointer>' after the access letters");
        s.Until(" ", "the space pointer");
        s.Expect("(DID=", "'(DID=<hex>)' after the space pointer");
        var did = s.Until(")", "the task's debug id");
        s.Expect(" err=", "' err=<hex>' after the task");
        var err = TbufHex.Parse(s.Last("the error code"), "the error code after err=");

        var expected = Access(err);
        if (access != expected)
            throw new TbufFieldException($"access '({access})' disagrees with err={err:x}: JDB prints '({expected})' for it");
        return new PageFault(thread, pfa, ip, err)
        {
            ThreadRef = threadRef,
            Space = did == "???" ? null : TbufHex.Parse(did, "the task's debug id after DID="),
            Access = access,
            TimeUs = kclk,
            Line = line,
        };
    }

    private static string Access(ulong err)
    {
        var cause = (err & 0x10) != 0 ? 'X' : (err & 0x2) != 0 ? 'W' : 'R';
        if ((err & 0x4) != 0) cause = char.ToLowerInvariant(cause);
        return $"{cause}{((err & 0x1) != 0 ? 'p' : '-')}";
    }
}
