namespace L4Conf.Adapters.Jdb;

/// <summary>
/// The status JDB prints in an `answ` entry for the error word `err=%lx`: `OK` when its low byte is 0, otherwise
/// the name for bits 4..1 and `/snd` or `/rcv` after bit 0 (fiasco tb_entry_output.cpp, formatter_ipc_res, and
/// the names of L4_error::str_error in src/abi/l4_error.cpp). Codes past the kernel's table (0x12 and up, e.g.
/// 0x13 no reply cap) print whatever follows the table in memory, so only their phase suffix can be checked.
/// </summary>
internal static class TbufIpcErrorText
{
    private static readonly string[] Names =
        ["OK", "timeout", "not existent", "canceled", "overflow", "xfer snd", "xfer rcv", "aborted", "map failed"];

    public static void Check(ulong err, string status)
    {
        var ok = (err & 0xff) == 0;
        var suffix = ok ? "" : (err & 1) == 0 ? "/snd" : "/rcv";
        var index = (int)((err >> 1) & 0xf);
        if (index < Names.Length)
        {
            var expected = Names[index] + suffix;
            if (status != expected)
                throw new TbufFieldException(
                    $"the status '({status})' disagrees with err={err:x}: JDB prints '({expected})' for it");
        }
        else if (!status.EndsWith(suffix, StringComparison.Ordinal) || status.Length == suffix.Length)
            throw new TbufFieldException($"the status '({status})' disagrees with err={err:x}: expected a name and '{suffix}'");
    }
}
