namespace L4Conf.Adapters.Jdb;

/// <summary>Walks one entry text left to right; every miss names what JDB would have printed there.</summary>
internal sealed class TbufScanner(string text)
{
    private int _pos;

    public bool AtEnd => _pos >= text.Length;

    public string Rest => text[_pos..];

    public void Expect(string literal, string what)
    {
        if (!TryExpect(literal))
            throw new TbufFieldException($"expected {what} at column {_pos + 1}, found '{Preview()}'");
    }

    public bool TryExpect(string literal)
    {
        if (!text.AsSpan(_pos).StartsWith(literal, StringComparison.Ordinal))
            return false;
        _pos += literal.Length;
        return true;
    }

    /// <summary>The text up to <paramref name="terminator"/>, which is consumed too.</summary>
    public string Until(string terminator, string what)
    {
        var end = text.IndexOf(terminator, _pos, StringComparison.Ordinal);
        if (end < 0)
            throw new TbufFieldException($"expected {what} followed by '{terminator}' at column {_pos + 1}, found '{Preview()}'");
        var s = text[_pos..end];
        _pos = end + terminator.Length;
        return s;
    }

    /// <summary>The rest of the text, which must hold no blank (it is the last field of the entry).</summary>
    public string Last(string what)
    {
        var s = Rest;
        if (s.Contains(' '))
            throw new TbufFieldException($"expected {what} to end the entry at column {_pos + 1}, found '{Preview()}'");
        _pos = text.Length;
        return s;
    }

    public void ExpectEnd(string after)
    {
        if (!AtEnd)
            throw new TbufFieldException($"expected the end of the entry after {after}, found '{Preview()}'");
    }

    private string Preview() => _pos >= text.Length ? "" : text.Length - _pos > 40 ? text[_pos..(_pos + 40)] + "..." : text[_pos..];
}
