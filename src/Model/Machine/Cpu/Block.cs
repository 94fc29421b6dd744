namespace L4Conf.Model.Machine;

/// <summary>
/// Compiled code for a run of straight-line instructions: runs on the CPU's register file and returns how many
/// instructions retired (a block that branches back to its own start runs again while <paramref name="budget"/>
/// covers a whole further pass); the CPU's <c>blockNext</c> and <c>blockStatus</c> say where execution goes on and
/// why it stopped.
/// </summary>
internal delegate int BlockFn(Cpu c, ulong[] regs, int budget);

/// <summary>A basic block as compiled by <see cref="BlockCompiler"/>: at most <see cref="Count"/> instructions.</summary>
internal sealed class Block(BlockFn? fn, int count)
{
    /// <summary>Marks an offset whose first instruction the compiler does not take: the interpreter runs it.</summary>
    public static readonly Block None = new(null, 0);

    public const int Completed = 0, Faulted = 1, CodeChanged = 2, Syscall = 3;

    public readonly BlockFn? Fn = fn;
    public readonly int Count = count;
}
