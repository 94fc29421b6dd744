using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// An `answ` entry, what a system call returned (fiasco tb_entry_output.cpp, formatter_ipc_res):
/// `[np] <thread> answ [<tag>|E] L=<label> err=<hex> (<status>) (<words>)`. An error result prints only `E` for
/// its tag, which is read as the kernel's error tag (label 0, no words, error flag); without `E` JDB prints
/// err=0 whatever the error register held. The status text must agree with err (<see cref="TbufIpcErrorText"/>).
/// </summary>
internal static class TbufAnswerEntry
{
    public static (InvokeResultEvent Event, string Protocol) Parse(string body, int line, ulong kclk)
    {
        var s = new TbufScanner(body);
        s.TryExpect("[np] "); // next-period result, nothing the trace vocabulary records
        var (thread, threadRef) = TbufThread.Parse(s.Until(" ", "the thread"));
        s.Expect("answ [", "'answ [' after the thread");
        var tagText = s.Until("]", "the tag");
        var isError = tagText == "E";
        var tag = isError ? new TbufTag(MsgTag.IpcError, "E") : TbufTag.Parse(tagText);
        s.Expect(" L=", "' L=<hex>' after the tag");
        var label = TbufHex.Parse(s.Until(" ", "the label"), "the label after L=");
        s.Expect("err=", "'err=<hex>' after the label");
        var err = TbufHex.Parse(s.Until(" ", "the error"), "the error after err=");
        s.Expect("(", "'(<status>)' after err=");
        var status = s.Until(")", "the status");
        s.Expect(" (", "' (<words>)' after the status");
        var words = s.Until(")", "the result words");
        s.ExpectEnd("the result words");

        if (!isError && err != 0)
            throw new TbufFieldException($"err={err:x} without the error tag [E]: JDB prints err=0 for a result without error");
        TbufIpcErrorText.Check(err, status);
        var (mrs, complete) = TbufWords.Received(tag.Tag, words);
        var ev = new InvokeResultEvent(thread, tag.Tag.Raw, err, mrs)
        {
            Label = label,
            ThreadRef = threadRef,
            Decoded = words,
            MrsComplete = complete,
            TimeUs = kclk,
            Line = line,
        };
        return (ev, tag.Protocol);
    }
}
