namespace L4Conf.Model.Abi;

/// <summary>
/// The user segment selectors of Fiasco's amd64 GDT (fiasco src/kern/ia32/config_gdt.h:20-41: entry 3 user code32,
/// 4 user data, 5 user code64; gdt.cpp:28 Selector_user = 3), as the thread's segment_info operation reports them.
/// </summary>
public static class GdtSelectors
{
    public const ulong UserCode32 = 0x1B;  // GDT_CODE_USER32 | Selector_user
    public const ulong UserData = 0x23;    // GDT_DATA_USER | Selector_user
    public const ulong UserCode64 = 0x2B;  // GDT_CODE_USER (GDT_CODE_USER64 on amd64) | Selector_user
}
