namespace L4Conf.Reference.Moe;

/// <summary>l4util_human_readable_size (l4util/include/printf_helpers.h:30-48): truncating, one decimal, K/M/G/T iB.</summary>
public static class HumanSize
{
    public static string Format(ulong bytes)
    {
        const string units = "BKMGT";
        int idx = 6, order;                 // sizeof(char const *) - 2, as the real code computes it
        for (order = idx * 10; order > 10; order -= 10, --idx)
            if (bytes > (1UL << Math.Min(order, 63)) && order < 64) break;
        ulong value = order >= 64 ? 0 : bytes >> order;
        ulong fract = order >= 64 ? 0 : (bytes - (value << order)) / ((1UL << order) / 10 + 1);
        char unit = idx < units.Length ? units[idx] : '?';
        return $"{value}.{fract} {unit}iB";
    }
}
