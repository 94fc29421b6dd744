using System.Globalization;
using L4Conf.Conformance.Cli;
using L4Conf.Model.Abi;
using L4Conf.Model.Machine;
using System.Text;
using System.Text.Json;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>A case line that cannot be used: the message names the file, line and field (exit 2).</summary>
public sealed class CpuCaseFormatException(string message) : FormatException(message);

/// <summary>
/// The JSON-lines format of machine-code cases and their outcomes (spec/machine/cpu-cases.md). Reading is strict:
/// an unknown field, a number that is not a "0x..." string where one is required, a page that is not aligned or
/// not a user address, are errors naming the line and the field, so a typo never silently runs another case.
/// </summary>
public static class CpuCaseJson
{
    public static readonly string[] RegNames = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

    /// <summary>RFLAGS bits a case may choose: CF PF AF ZF SF DF OF; bit 1 and IF are always set (user mode, no TF/AC/NT/IOPL).</summary>
    public const ulong SettableFlags = 0x0CD5, FixedFlags = 0x202;

    /// <summary>Highest user address + 1 (canonical lower half).</summary>
    public const ulong UserEnd = 0x0000_8000_0000_0000;
    public const long MaxBudget = 1_000_000_000;

    private static readonly HashSet<string> Fields = ["name", "note", "code", "rip", "regs", "rflags", "fsBase", "gsBase", "pages", "budget", "xmm", "mxcsr", "gdt", "mode", "cs"];

    /// <summary>Parse one non-blank line; <paramref name="where"/> is "FILE line N" for messages.</summary>
    public static CpuCase Parse(string line, string where)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new CpuCaseFormatException($"{where}: not a JSON object ({e.Message.Split(" LineNumber")[0]})"); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new CpuCaseFormatException($"{where}: not a JSON object");
            foreach (var p in o.EnumerateObject())
                if (!Fields.Contains(p.Name)) throw new CpuCaseFormatException($"{where}: unknown field '{p.Name}' (known: {string.Join(", ", Fields)})");
            string name = o.TryGetProperty("name", out var n) ? Str(n, where, "name") : where;
            if (!o.TryGetProperty("code", out var codeEl)) throw new CpuCaseFormatException($"{where}: field 'code' is missing (the machine code, hex)");
            byte[] code = Bytes(codeEl, where, "code");
            if (code.Length == 0 || code.Length > CpuCase.PageSize) throw new CpuCaseFormatException($"{where}: code: {code.Length} bytes; 1 to {CpuCase.PageSize}");
            if (!o.TryGetProperty("rip", out var ripEl)) throw new CpuCaseFormatException($"{where}: field 'rip' is missing (where the code starts)");
            ulong rip = Hex(ripEl, where, "rip");
            if (rip >= UserEnd || rip + (ulong)code.Length > UserEnd) throw new CpuCaseFormatException($"{where}: rip: 0x{rip:x} puts the code outside the user half (below 0x{UserEnd:x})");
            var regs = new ulong[16];
            if (o.TryGetProperty("regs", out var r))
            {
                if (r.ValueKind != JsonValueKind.Object) throw new CpuCaseFormatException($"{where}: regs: an object of register names (rax .. r15) to hex strings");
                foreach (var p in r.EnumerateObject())
                {
                    int k = Array.IndexOf(RegNames, p.Name);
                    if (k < 0) throw new CpuCaseFormatException($"{where}: regs.{p.Name}: not a general-purpose register (rax .. r15)");
                    regs[k] = Hex(p.Value, where, "regs." + p.Name);
                }
            }
            ulong rflags = o.TryGetProperty("rflags", out var f) ? Hex(f, where, "rflags") : FixedFlags;
            if ((rflags & ~(SettableFlags | FixedFlags)) != 0 || (rflags & FixedFlags) != FixedFlags)
                throw new CpuCaseFormatException($"{where}: rflags: 0x{rflags:x}; only CF PF AF ZF SF DF OF (0x{SettableFlags:x}) may vary, bits 1 and 9 (0x202) are set");
            ulong fs = o.TryGetProperty("fsBase", out var fe) ? Hex(fe, where, "fsBase") : 0;
            ulong gs = o.TryGetProperty("gsBase", out var ge) ? Hex(ge, where, "gsBase") : 0;
            if (fs >= UserEnd) throw new CpuCaseFormatException($"{where}: fsBase: 0x{fs:x} is not a user address");
            if (gs >= UserEnd) throw new CpuCaseFormatException($"{where}: gsBase: 0x{gs:x} is not a user address");
            var pages = new List<CasePage>();
            if (o.TryGetProperty("pages", out var ps))
            {
                if (ps.ValueKind != JsonValueKind.Array) throw new CpuCaseFormatException($"{where}: pages: an array of {{address, prot, contents}}");
                int i = 0;
                foreach (var p in ps.EnumerateArray())
                {
                    string field = $"pages[{i++}]";
                    pages.Add(Page(p, where, field));
                    if (pages.Count(x => x.Address == pages[^1].Address) > 1) throw new CpuCaseFormatException($"{where}: {field}.address: 0x{pages[^1].Address:x} is listed twice");
                }
                if (pages.Count > 48) throw new CpuCaseFormatException($"{where}: pages: {pages.Count} pages; at most 48");
            }
            long budget = 1000;
            if (o.TryGetProperty("budget", out var b))
                if (b.ValueKind != JsonValueKind.Number || !b.TryGetInt64(out budget) || budget < 1 || budget > MaxBudget)
                    throw new CpuCaseFormatException($"{where}: budget: {InputErrors.Quote(b.GetRawText())}; a whole number of instructions, 1 to {MaxBudget}");
            if (o.TryGetProperty("note", out var note)) Str(note, where, "note");
            UInt128[]? xmm = null;
            if (o.TryGetProperty("xmm", out var x))
            {
                if (x.ValueKind != JsonValueKind.Object) throw new CpuCaseFormatException($"{where}: xmm: an object of register names (xmm0 .. xmm15) to 128-bit hex strings");
                xmm = new UInt128[16];
                foreach (var p in x.EnumerateObject())
                {
                    int k = Array.IndexOf(XmmNames, p.Name);
                    if (k < 0) throw new CpuCaseFormatException($"{where}: xmm.{p.Name}: not an XMM register (xmm0 .. xmm15)");
                    xmm[k] = Hex128(p.Value, where, "xmm." + p.Name);
                }
            }
            uint? mxcsr = null;
            if (o.TryGetProperty("mxcsr", out var mx))
            {
                ulong m = Hex(mx, where, "mxcsr");
                if (m > 0xFFFF) throw new CpuCaseFormatException($"{where}: mxcsr: 0x{m:x} sets reserved bits (only bits 0-15 exist; ldmxcsr would #GP)");
                mxcsr = (uint)m;
            }
            var gdt = SegmentTable.Fiasco;
            if (o.TryGetProperty("gdt", out var g))
                gdt = Str(g, where, "gdt") switch
                {
                    "fiasco" => SegmentTable.Fiasco,
                    "linux" => SegmentTable.Linux,
                    _ => throw new CpuCaseFormatException($"{where}: gdt: {InputErrors.Quote(g.GetRawText())}; \"fiasco\" (the default) or \"linux\""),
                };
            ushort? cs = null;
            if (o.TryGetProperty("mode", out var md))
                cs = Str(md, where, "mode") switch
                {
                    "64" => null,
                    "compat" => gdt == SegmentTable.Linux ? LinuxGdt.UserCode32 : (ushort)GdtSelectors.UserCode32,
                    _ => throw new CpuCaseFormatException($"{where}: mode: {InputErrors.Quote(md.GetRawText())}; \"64\" (the default) or \"compat\""),
                };
            if (o.TryGetProperty("cs", out var csv))
            {
                if (cs is not null) throw new CpuCaseFormatException($"{where}: cs: give \"cs\" or \"mode\": \"compat\", not both");
                ulong sel = Hex(csv, where, "cs");
                var probe = new CpuCase { Gdt = gdt, Cs = (ushort)sel, Rip = rip };
                if (sel > 0xFFFF || probe.CodeSegment is not { IsCode: true, Dpl: 3, Present: true } d || (sel & 3) != 3)
                    throw new CpuCaseFormatException($"{where}: cs: 0x{sel:x} is not a present user code segment with RPL 3 in the {gdt.ToString().ToLowerInvariant()} table");
                if (!d.Long && (rip < d.Base || rip - d.Base > d.Limit))
                    throw new CpuCaseFormatException($"{where}: cs: rip 0x{rip:x} is not within the segment (base 0x{d.Base:x}, limit 0x{d.Limit:x})");
                cs = (ushort)sel;
            }
            return new CpuCase { Name = name, Code = code, Rip = rip, Regs = regs, Rflags = rflags, FsBase = fs, GsBase = gs, Pages = pages, Budget = budget, Xmm = xmm, Mxcsr = mxcsr, Gdt = gdt, Cs = cs };
        }
    }

    private static CasePage Page(JsonElement p, string where, string field)
    {
        if (p.ValueKind != JsonValueKind.Object) throw new CpuCaseFormatException($"{where}: {field}: an object {{address, prot, contents}}");
        foreach (var q in p.EnumerateObject())
            if (q.Name is not ("address" or "prot" or "contents")) throw new CpuCaseFormatException($"{where}: {field}.{q.Name}: unknown field (known: address, prot, contents)");
        if (!p.TryGetProperty("address", out var a)) throw new CpuCaseFormatException($"{where}: {field}.address is missing");
        ulong addr = Hex(a, where, field + ".address");
        if ((addr & (CpuCase.PageSize - 1)) != 0 || addr >= UserEnd)
            throw new CpuCaseFormatException($"{where}: {field}.address: 0x{addr:x} is not a 4 KiB-aligned user address (below 0x{UserEnd:x})");
        string prot = p.TryGetProperty("prot", out var pr) ? Str(pr, where, field + ".prot") : "rw";
        if (prot is not ("r" or "rw" or "rx" or "rwx"))
            throw new CpuCaseFormatException($"{where}: {field}.prot: '{InputErrors.Quote(prot)}'; one of r, rw, rx, rwx (x86 pages are always readable)");
        byte[] contents = p.TryGetProperty("contents", out var c) ? Bytes(c, where, field + ".contents") : [];
        if (contents.Length > CpuCase.PageSize) throw new CpuCaseFormatException($"{where}: {field}.contents: {contents.Length} bytes; at most {CpuCase.PageSize}");
        return new CasePage(addr, prot, contents);
    }

    private static string Str(JsonElement e, string where, string field) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new CpuCaseFormatException($"{where}: {field}: {InputErrors.Quote(e.GetRawText())} is not a string");

    /// <summary>A 64-bit value: a "0x..." hex string (JSON numbers lose precision past 2^53).</summary>
    private static ulong Hex(JsonElement e, string where, string field)
    {
        string s = e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && s.Length is > 2 and <= 18
            && ulong.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong v))
            return v;
        throw new CpuCaseFormatException($"{where}: {field}: {InputErrors.Quote(e.GetRawText())} is not a 64-bit hex string such as \"0x1f\"");
    }

    /// <summary>A 128-bit value: a "0x..." hex string of up to 32 digits.</summary>
    private static UInt128 Hex128(JsonElement e, string where, string field)
    {
        string s = e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && s.Length is > 2 and <= 34
            && UInt128.TryParse(s.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out UInt128 v))
            return v;
        throw new CpuCaseFormatException($"{where}: {field}: {InputErrors.Quote(e.GetRawText())} is not a 128-bit hex string such as \"0x3f800000\"");
    }

    private static byte[] Bytes(JsonElement e, string where, string field)
    {
        string s = e.ValueKind == JsonValueKind.String ? e.GetString()! : "?";
        if (s.Length % 2 == 0 && s.All(Uri.IsHexDigit)) return Convert.FromHexString(s);
        throw new CpuCaseFormatException($"{where}: {field}: {InputErrors.Quote(e.GetRawText())} is not a string of hex byte pairs such as \"4801d8cc\"");
    }

    /// <summary>Read every case of a JSON-lines text (blank lines and lines starting with # are skipped).</summary>
    public static IEnumerable<CpuCase> ReadAll(TextReader input, string source)
    {
        int n = 0;
        for (string? line; (line = input.ReadLine()) != null;)
        {
            n++;
            string t = line.Trim();
            if (t.Length == 0 || t[0] == '#') continue;
            yield return Parse(t, $"{source} line {n}");
        }
    }

    public static readonly string[] XmmNames = [.. Enumerable.Range(0, 16).Select(k => $"xmm{k}")];

    private static string H(ulong v) => $"0x{v:x}";
    private static string H(UInt128 v) => $"0x{v:x}";

    private static void WriteVector(Utf8JsonWriter w, UInt128[] xmm, uint mxcsr)
    {
        w.WriteString("mxcsr", H(mxcsr));
        w.WriteStartObject("xmm");
        for (int k = 0; k < 16; k++) w.WriteString(XmmNames[k], H(xmm[k]));
        w.WriteEndObject();
    }

    /// <summary>The case as one JSON line that <see cref="Parse"/> reads back to the same case.</summary>
    public static string Write(CpuCase c, string? note = null)
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("name", c.Name);
            if (note != null) w.WriteString("note", note);
            w.WriteString("code", Convert.ToHexString(c.Code).ToLowerInvariant());
            w.WriteString("rip", H(c.Rip));
            w.WriteStartObject("regs");
            for (int k = 0; k < 16; k++) w.WriteString(RegNames[k], H(c.Regs[k]));
            w.WriteEndObject();
            w.WriteString("rflags", H(c.Rflags));
            if (c.FsBase != 0) w.WriteString("fsBase", H(c.FsBase));
            if (c.GsBase != 0) w.WriteString("gsBase", H(c.GsBase));
            w.WriteStartArray("pages");
            foreach (var p in c.Pages)
            {
                w.WriteStartObject();
                w.WriteString("address", H(p.Address));
                w.WriteString("prot", p.Prot);
                int len = p.Contents.Length;
                while (len > 0 && p.Contents[len - 1] == 0) len--;
                if (len > 0) w.WriteString("contents", Convert.ToHexString(p.Contents, 0, len).ToLowerInvariant());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("budget", c.Budget);
            if (c.Gdt == SegmentTable.Linux) w.WriteString("gdt", "linux");
            if (c.Cs is ushort cs) w.WriteString("cs", $"0x{cs:x}");
            if (c.Mxcsr is uint m) w.WriteString("mxcsr", H(m));
            if (c.Xmm is { } x)
            {
                w.WriteStartObject("xmm");
                for (int k = 0; k < 16; k++) w.WriteString(XmmNames[k], H(x[k]));
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Trap names for the vectors a user program can see (SDM Vol. 3A Table 6-1).</summary>
    public static string TrapName(int v) => v switch
    {
        0 => "#DE", 1 => "#DB", 3 => "#BP", 4 => "#OF", 5 => "#BR", 6 => "#UD", 7 => "#NM", 12 => "#SS", 13 => "#GP", 14 => "#PF",
        16 => "#MF", 17 => "#AC", 19 => "#XM", _ => $"vector {v}",
    };

    /// <summary>The outcome as one JSON line (status, trap, registers, RIP, RFLAGS, changed bytes).</summary>
    public static string Write(string name, CpuOutcome o)
    {
        var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("status", o.Status);
            if (o.Vector is int v)
            {
                w.WriteNumber("vector", v);
                w.WriteString("trap", TrapName(v));
                w.WriteString("errorCode", H(o.ErrorCode));
                w.WriteString("cr2", H(o.Cr2));
            }
            w.WriteString("rip", H(o.Rip));
            w.WriteString("rflags", H(o.Rflags));
            w.WriteStartObject("regs");
            for (int k = 0; k < 16; k++) w.WriteString(RegNames[k], H(o.Regs[k]));
            w.WriteEndObject();
            if (o.VectorState) WriteVector(w, o.Xmm, o.Mxcsr);
            if (o.SegmentsChanged && o.Segments is { } sg)
            {
                w.WriteStartObject("segments");
                for (int k = 0; k < 6; k++) w.WriteString(SegmentState.Names[k], H(sg.Selectors[k]));
                w.WriteString("fsBase", H(sg.FsBase));
                w.WriteString("gsBase", H(sg.GsBase));
                w.WriteEndObject();
            }
            if (o.Retired is long r) w.WriteNumber("retired", r);
            w.WriteStartArray("memory");
            foreach (var m in o.Memory)
            {
                w.WriteStartObject();
                w.WriteString("page", H(m.Page));
                w.WriteNumber("offset", m.Offset);
                w.WriteString("bytes", Convert.ToHexString(m.Bytes).ToLowerInvariant());
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (o.Detail != null) w.WriteString("detail", o.Detail);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }
}
