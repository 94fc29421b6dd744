using System.Buffers.Binary;
using System.IO.Compression;

namespace L4Conf.Adapters.Jdb;

/// <summary>
/// Decoding of the kernel's gzip console output: classic uuencode lines (`begin 644 jdb.gz` ... `end`) carrying a
/// gzip stream. Errors come back as text so the reader can attach file and line.
/// </summary>
internal static class UuGzip
{
    /// <summary>More than any real object dump; protects against a corrupted length field inflating forever.</summary>
    public const int MaxDecodedBytes = 64 << 20;

    /// <summary>
    /// Decodes one uuencoded line into <paramref name="output"/>. Returns false with <paramref name="error"/> set
    /// when the line is malformed; <paramref name="isTerminator"/> is true for the zero-length line before `end`.
    /// </summary>
    public static bool TryDecodeLine(string line, List<byte> output, out bool isTerminator, out string? error)
    {
        isTerminator = false;
        error = null;
        if (line.Length == 0)
        {
            error = "empty line inside the uuencoded data";
            return false;
        }
        foreach (var ch in line)
            if (ch < 0x20 || ch > 0x60)
            {
                error = $"character '{ch}' (0x{(int)ch:x2}) is not uuencode data";
                return false;
            }

        var count = Value(line[0]);
        if (count == 0)
        {
            isTerminator = true;
            return true;
        }
        // Every 3 data bytes take 4 characters; trailing extra characters (some encoders add a checksum) are ignored.
        var needed = (count + 2) / 3 * 4;
        if (line.Length - 1 < needed)
        {
            error = $"uuencoded line too short: its length character announces {count} bytes, which need {needed} characters, found {line.Length - 1}";
            return false;
        }
        for (int i = 0, written = 0; written < count; i += 4)
        {
            var bits = (Value(line[1 + i]) << 18) | (Value(line[2 + i]) << 12) | (Value(line[3 + i]) << 6) | Value(line[4 + i]);
            for (var shift = 16; shift >= 0 && written < count; shift -= 8, written++)
                output.Add((byte)(bits >> shift));
        }
        return true;
    }

    /// <summary>Gunzips <paramref name="data"/>; false with a reason when it is not a complete, intact gzip stream.</summary>
    public static bool TryGunzip(byte[] data, out byte[] result, out string? error)
    {
        result = [];
        error = null;
        if (data.Length < 18 || data[0] != 0x1f || data[1] != 0x8b)
        {
            error = data.Length == 0 ? "the uuencoded block holds no data" : "the uuencoded data is not a gzip stream (bad magic or too short)";
            return false;
        }
        try
        {
            using var gz = new GZipStream(new MemoryStream(data, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = gz.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + n > MaxDecodedBytes)
                {
                    error = $"gzip data inflates to more than {MaxDecodedBytes} bytes";
                    return false;
                }
                output.Write(buffer, 0, n);
            }
            result = output.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            error = $"corrupted gzip data: {e.Message}";
            return false;
        }
        return CheckTrailer(data, result, out error);
    }

    /// <summary>
    /// GZipStream accepts a stream cut off inside the deflate data without complaint, so check the trailer
    /// (CRC-32 and size of the single member the kernel writes) ourselves.
    /// </summary>
    private static bool CheckTrailer(byte[] data, byte[] inflated, out string? error)
    {
        error = null;
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 8));
        var size = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(data.Length - 4));
        if (size != (uint)inflated.Length || crc != Crc32(inflated))
        {
            error = $"gzip data is truncated or corrupted (trailer says {size} bytes, crc {crc:x8}; got {inflated.Length} bytes, crc {Crc32(inflated):x8})";
            return false;
        }
        return true;
    }

    private static int Value(char ch) => (ch - 0x20) & 0x3f;

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    private static uint Crc32(byte[] bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var b in bytes)
            c = CrcTable[(c ^ b) & 0xff] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}
