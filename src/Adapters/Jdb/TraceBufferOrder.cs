namespace L4Conf.Adapters.Jdb;

/// <summary>The order of the entries in the text: JDB dumps newest first; extracts may have been turned around.</summary>
public enum TraceBufferOrder
{
    /// <summary>Entry numbers fall from line to line (JDB's own `tbufdumptext` and `Y` output).</summary>
    NewestFirst,
    /// <summary>Entry numbers rise from line to line.</summary>
    OldestFirst,
}
