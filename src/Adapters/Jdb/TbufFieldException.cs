namespace L4Conf.Adapters.Jdb;

/// <summary>A field of one entry is not what JDB prints; the reader adds file, line and line text.</summary>
internal sealed class TbufFieldException(string message) : Exception(message);
