namespace L4Conf.Reference.Moe;

/// <summary>Moe's command-line and module-name parsing (moe/server/src/args.h, main.cc:359-501, boot_fs.cc:47-69).</summary>
public static class MoeArgs
{
    public static readonly IReadOnlyDictionary<string, ulong> DebugWords = new Dictionary<string, ulong>
    {
        ["info"] = 1, ["nfo"] = 1, ["warn"] = 2, ["boot"] = 4, ["server"] = 0x10, ["svr"] = 0x10,
        ["exceptions"] = 0x20, ["exc"] = 0x20, ["loader"] = 0x80, ["ldr"] = 0x80, ["ns"] = 0x400, ["all"] = ~0UL,
    };

    public static readonly IReadOnlyDictionary<string, ulong> LdrWords = new Dictionary<string, ulong>
    {
        ["pre_alloc"] = 1, ["eager_map"] = 1, ["all_segs_cow"] = 2, ["pinned_segs"] = 4, ["exit"] = 0x10,
    };

    /// <summary>next_arg: blanks separate words; a word starting with a quote runs to the matching quote (a missing one ends the line).</summary>
    public static IEnumerable<(string Tok, int At)> Tokens(string s)
    {
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length) yield break;
            int start = i;
            if (s[i] is '"' or '\'')
            {
                char q = s[i];
                int end = s.IndexOf(q, i + 1);
                if (end < 0) yield break;
                yield return (s[(i + 1)..end], start);
                i = end + 1;
            }
            else
            {
                while (i < s.Length && !char.IsWhiteSpace(s[i])) i++;
                yield return (s[start..i], start);
            }
        }
    }

    /// <summary>A flag list: words separated by ',', '|' or '+'; an empty word stops; unknown words are reported and ignored.</summary>
    public static ulong Flags(string list, IReadOnlyDictionary<string, ulong> words, string option, Action<string> print)
    {
        ulong v = 0;
        foreach (var w in list.Split([',', '|', '+']))
        {
            if (w.Length == 0) break;
            if (words.TryGetValue(w, out var f)) v |= f;
            else print($"MOE: ignore unknown argument for {option}: '{w}'\n");
        }
        return v;
    }

    /// <summary>cmdline_to_name: up to the first blank not preceded by '\', then the part after the last '/'; the rest are options.</summary>
    public static (string Name, string Options) ModuleName(string cmdline)
    {
        int i = 0;
        while (i < cmdline.Length && !(cmdline[i] == ' ' && (i == 0 || cmdline[i - 1] != '\\'))) i++;
        string path = cmdline[..i];
        string opts = i < cmdline.Length ? cmdline[(i + 1)..] : "";
        int slash = path.LastIndexOf('/');
        return (slash >= 0 ? path[(slash + 1)..] : path, opts);
    }
}

/// <summary>Moe's capability slot allocator (obj_reg.h Cap_alloc, l4re/util item_alloc): lowest free slot from a hint; a free lowers the hint.</summary>
public sealed class CapSlots(ulong first, int count)
{
    private readonly bool[] _used = new bool[count];
    private int _hint;

    public ulong? Alloc()
    {
        for (int i = _hint; i < _used.Length; i++)
            if (!_used[i]) { _used[i] = true; _hint = i + 1; return first + (ulong)i; }
        for (int i = 0; i < _hint && i < _used.Length; i++)
            if (!_used[i]) { _used[i] = true; _hint = i + 1; return first + (ulong)i; }
        return null;
    }

    public void Free(ulong slot)
    {
        if (slot < first || slot >= first + (ulong)_used.Length) return;
        int i = (int)(slot - first);
        _used[i] = false;
        if (i < _hint) _hint = i;
    }
}
