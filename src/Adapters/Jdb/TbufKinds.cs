namespace L4Conf.Adapters.Jdb;

/// <summary>The entry kinds of a trace-buffer dump, named as JDB prints them (fiasco tb_entry_output.cpp).</summary>
public static class TbufKinds
{
    public const string Ipc = "ipc";
    public const string Answer = "answ";
    public const string PageFault = "pf";
}
