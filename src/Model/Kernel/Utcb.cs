using L4Conf.Model.Abi;

namespace L4Conf.Model.Kernel;

/// <summary>
/// The user thread control block: 128 words on amd64 (l4sys utcb.h): MR0..62, word 63 = own address,
/// BDR at 64, BR0..57 at 65..122, error TCR at 123, free marker 124, user words 125..127.
/// </summary>
public sealed class Utcb
{
    /// <summary>alignof(Utcb) in Fiasco: its members are machine words (src/abi/l4_types.cpp:767).</summary>
    public const ulong Alignment = 8;
    public const int Words = 128, MrCount = 63, BdrIndex = 64, BrBase = 65, BrCount = 58, ErrorIndex = 123;
    /// <summary>Byte offset of word 63, the UTCB's own address: user code reads it through GS (captured gs_base = UTCB + 0x1f8).</summary>
    public const ulong OwnAddressOffset = 63 * 8;
    /// <summary>The kernel's view of the words. Writes that bypass the setters below must call <see cref="Touch"/>.</summary>
    public readonly ulong[] W = new ulong[Words];

    /// <summary>
    /// The words the kernel wrote since its view was last synchronised with user memory, one bit each: a system call's
    /// completion writes back only these, as the real kernel writes only the words it sets (a word the thread changed
    /// meanwhile, another thread of its task for instance, is not overwritten).
    /// </summary>
    public UInt128 Dirty { get; private set; }

    public ulong Mr(int i) => (uint)i < MrCount ? W[i] : 0;
    public void SetMr(int i, ulong v) { if ((uint)i < MrCount) { W[i] = v; Dirty |= UInt128.One << i; } }
    public ulong Bdr { get { LoadBuffers(); return W[BdrIndex]; } set { LoadBuffers(); W[BdrIndex] = value; Dirty |= UInt128.One << BdrIndex; } }
    public ulong Br(int i) { LoadBuffers(); return (uint)i < BrCount ? W[BrBase + i] : 0; }
    public void SetBr(int i, ulong v) { LoadBuffers(); if ((uint)i < BrCount) { W[BrBase + i] = v; Dirty |= UInt128.One << (BrBase + i); } }

    /// <summary>
    /// Where the BDR and buffer registers still are when a system call entered with the message words only: the kernel
    /// reads them from user memory when it first needs them (a receive with items, an absolute timeout, ...), as the real
    /// kernel reads the UTCB where it is. Null when the view holds them.
    /// </summary>
    private Machine.IMemoryBus? _buffersIn;
    private ulong _buffersAt;

    /// <summary>The buffer registers stay in user memory at <paramref name="utcb"/> until they are first used.</summary>
    internal void DeferBuffers(Machine.IMemoryBus bus, ulong utcb) { _buffersIn = bus; _buffersAt = utcb; }

    /// <summary>Brings the BDR and buffer registers into the view if they were deferred (before a whole-view copy, too).</summary>
    internal void LoadBuffers()
    {
        if (_buffersIn is not { } bus) return;
        _buffersIn = null;
        bus.Read(_buffersAt + BdrIndex * 8, System.Runtime.InteropServices.MemoryMarshal.AsBytes(W.AsSpan(BdrIndex, 1 + BrCount)), Machine.AccessKind.Read, out _);
    }
    public IpcErr Error { get => (IpcErr)W[ErrorIndex]; set { W[ErrorIndex] = (ulong)value; Dirty |= UInt128.One << ErrorIndex; } }

    /// <summary>Marks <paramref name="count"/> words from <paramref name="first"/> as written by the kernel.</summary>
    public void Touch(int first, int count)
    {
        if (count <= 0) return;
        UInt128 run = count >= Words ? UInt128.MaxValue : (UInt128.One << count) - 1;
        Dirty |= run << first;
    }

    /// <summary>The view and user memory agree again (after a load or a store of every word).</summary>
    public void Synchronised() { Dirty = UInt128.Zero; _buffersIn = null; }
}
