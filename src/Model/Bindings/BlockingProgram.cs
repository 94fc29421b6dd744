using L4Conf.Model.Kernel;

namespace L4Conf.Model.Bindings;

/// <summary>Where a user program's system calls go: the run loop performs each and resumes the program.</summary>
public interface ISyscallPort
{
    /// <summary>Hands the call to the kernel and returns once it has completed (the results are on the thread).</summary>
    void Syscall(SyscallRequest request);
}

/// <summary>Thrown inside a blocking program when its thread is gone or the run is torn down: the program unwinds.</summary>
public sealed class ProgramAbortedException() : Exception("the program's thread was killed or the run ended");

/// <summary>A blocking program ended with a host exception: a bug in the modelled program, reported with its name.</summary>
public sealed class ProgramFaultException(string program, Exception inner)
    : Exception($"modelled program '{program}' failed: {inner.GetType().Name}: {inner.Message}", inner)
{
    public string Program { get; } = program;
}

/// <summary>
/// A user program written as ordinary blocking code (the L4Re runtime, Moe, Ned and the modelled programs): it runs
/// on a host thread of its own, and each system call hands control back to the kernel's run loop, which performs the
/// call and later resumes the program. Exactly one of the run loop and the programs runs at any moment, so a run is
/// as deterministic as one of iterator programs; the host thread only gives the program a stack to block on.
/// </summary>
public sealed class BlockingProgram : IEnumerable<SyscallRequest>, IEnumerator<SyscallRequest>, ISyscallPort
{
    /// <summary>Lua's C stack and deep C# call chains need more than the default 1.5 MiB.</summary>
    private const int StackBytes = 16 << 20;
    /// <summary>How long teardown waits for an aborted program to unwind before reporting it (host time).</summary>
    private static readonly TimeSpan UnwindLimit = TimeSpan.FromSeconds(30);

    private readonly Action<BlockingProgram> _body;
    private readonly SemaphoreSlim _toProgram = new(0), _toKernel = new(0);
    private global::System.Threading.Thread? _host;
    private volatile bool _done, _abort;
    private Exception? _fault;

    public BlockingProgram(string name, Action<BlockingProgram> body)
    {
        Name = name;
        _body = body;
    }

    public string Name { get; }
    public SyscallRequest Current { get; private set; }
    object System.Collections.IEnumerator.Current => Current;
    /// <summary>True once the run loop tore the program down; blocking calls then throw <see cref="ProgramAbortedException"/>.</summary>
    public bool Aborted => _abort;

    public IEnumerator<SyscallRequest> GetEnumerator() => this;
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => this;

    /// <summary>Run loop side: let the program run to its next system call; false when it has ended.</summary>
    public bool MoveNext()
    {
        if (_done) return false;
        if (_host == null)
        {
            _host = new global::System.Threading.Thread(HostMain, StackBytes) { IsBackground = true, Name = Name };
            _host.Start();
        }
        else _toProgram.Release();
        _toKernel.Wait();
        if (_fault is { } f)
        {
            _fault = null;
            throw new ProgramFaultException(Name, f);
        }
        return !_done;
    }

    /// <summary>Program side: one system call; returns when the kernel has completed it.</summary>
    public void Syscall(SyscallRequest request)
    {
        if (_abort) throw new ProgramAbortedException();
        Current = request;
        _toKernel.Release();
        _toProgram.Wait();
        if (_abort) throw new ProgramAbortedException();
    }

    private void HostMain()
    {
        try
        {
            if (!_abort) _body(this);
        }
        catch (ProgramAbortedException) { }
        catch (Exception e) when (!_abort) { _fault = e; }
        catch (Exception) { }
        _done = true;
        _toKernel.Release();
    }

    /// <summary>Tears the program down: a program blocked in a call unwinds from it. Returns once it has ended.</summary>
    public void Dispose()
    {
        if (_host == null || _done) { _done = true; return; }
        _abort = true;
        _toProgram.Release();
        if (!_toKernel.Wait(UnwindLimit))
            throw new InvalidOperationException($"modelled program '{Name}' did not end within {UnwindLimit.TotalSeconds} s after it was aborted");
    }

    public void Reset() => throw new NotSupportedException();
}
