using L4Conf.Model.Abi;
using L4Conf.Model.Bindings;
using L4Conf.Model.Kernel;
using L4Conf.Model.Trace;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

namespace L4Conf.Tests;

/// <summary>
/// Kernel.Destroy: what follows once every slot of an object is gone. Boot objects go their own ways (CAP-LIFE-4, the
/// conformance case unmap/boot-objects-stay); an object a factory made leaves the object list, runs its destruction
/// effects and gives its memory back to the factory's quota (CAP-LIFE-2, QUOTA-3, QUOTA-5).
/// </summary>
public class ObjMapDbDestroyTests
{
    private static void Delete(Kernel k, KTask t, ulong slot) =>
        k.UnmapObjects(t, Fpage.Obj(slot << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);

    private const ulong F = 0x100, S = 0x102;

    /// <summary>Root's factory F (quota 0x4000, from the root factory) and a semaphore S it made.</summary>
    private static (BootState B, L4Sys Root, Factory F, KObject S) FactoryWithSemaphore()
    {
        var b = BootState.Create();
        var root = new L4Sys(b.Kernel, b.RootThread);
        Assert.Equal(0L, root.Error(root.CreateFactory((ulong)InitialCap.Factory << 12, F << 12, 0x4000)));
        var f = (Factory)b.Root.Space[F]!.Object;
        Assert.Equal(0L, root.Error(root.FactoryCreate(F << 12, (long)Protocol.Semaphore, S << 12)));
        return (b, root, f, b.Root.Space[S]!.Object);
    }

    private static ObjectDestroyed[] Destroyed(Kernel k, int from) =>
        k.Trace.Events.Skip(from).OfType<ObjectDestroyed>().Select(e => e with { Seq = 0 }).ToArray();

    [Fact]
    public void Deleting_the_root_factory_empties_its_slots_and_it_stays_listed()
    {
        // The root factory's unlimited quota never drains: it is never freed (ram_quota.cpp:97-105).
        var b = BootState.Create();
        var k = b.Kernel;
        int n = k.Trace.Events.Count;
        Delete(k, b.Root, (ulong)InitialCap.Factory);
        Assert.Null(b.Root.Space[(ulong)InitialCap.Factory]);
        Assert.Null(b.Sigma0.Space[(ulong)InitialCap.Factory]);
        Assert.Empty(b.RootFactory.Caps);
        Assert.True(b.RootFactory.Alive);
        Assert.Contains(b.RootFactory, k.Objects);
        Assert.Empty(Destroyed(k, n));
    }

    [Fact]
    public void Deleting_the_Vlog_takes_it_off_the_list_once_with_the_kernels_warning()
    {
        // vlog.cpp:68-72: its operator delete only prints; kobject_dbg.cpp:99-104: it leaves the object list.
        var b = BootState.Create();
        var k = b.Kernel;
        int n = k.Trace.Events.Count, before = k.Console.Length;
        Delete(k, b.Root, (ulong)InitialCap.Log);
        Assert.False(b.Log.Alive);
        Assert.DoesNotContain(b.Log, k.Objects);
        Assert.Null(b.Sigma0.Space[(ulong)InitialCap.Log]);
        Assert.Equal("WARNING: tried to delete kernel Vlog object.\n", k.Console.ToString()[before..]);
        Assert.Equal(new[] { new ObjectDestroyed(b.Log.DbgId, "Vlog", "delete-right") }, Destroyed(k, n));
    }

    [Fact]
    public void Deleting_a_boot_task_runs_its_destruction_once_and_it_stays_listed()
    {
        // task.cpp:681-696: the space is emptied (the boot tasks' extra reference, std_workload.cpp:33, 61, only keeps
        // them from being freed).
        var b = BootState.Create();
        var k = b.Kernel;
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, 0x20, b.Sigma0, CapRights.Full, "test"));
        int n = k.Trace.Events.Count;
        Delete(k, b.Root, 0x20);
        Assert.False(b.Sigma0.Alive);
        Assert.Equal(0, b.Sigma0.Space.Count);
        Assert.Contains(b.Sigma0, k.Objects);        // never freed: stays listed after its thread lets go of it (CAP-LIFE-4)
        Assert.Equal(new[] { new ObjectDestroyed(b.Sigma0.DbgId, "Task", "delete-right") }, Destroyed(k, n).Where(e => e.Id == b.Sigma0.DbgId));
    }

    [Fact]
    public void An_object_a_factory_made_leaves_the_list_gives_its_memory_back_and_runs_its_destruction()
    {
        var (b, root, f, s) = FactoryWithSemaphore();
        var k = b.Kernel;
        const ulong G = 0x101;
        Assert.Equal(0L, root.Error(root.CreateFactory(F << 12, G << 12, 0x1000)));
        var g = (Factory)b.Root.Space[G]!.Object;
        Assert.Equal(Factory.ObjectSize + 0x1000 + Semaphore.ObjectSize, f.Quota.Used);
        Assert.Contains(s, k.Objects);

        Delete(k, b.Root, S);
        Assert.False(s.Alive);
        Assert.DoesNotContain(s, k.Objects);                                 // CAP-LIFE-2: nothing refers to it
        Assert.Equal(Factory.ObjectSize + 0x1000, f.Quota.Used);             // the semaphore's memory is back

        // A deleted factory takes no more charges (QUOTA-5) and, its own quota being empty, gives back its object
        // and its limit at once (QUOTA-3).
        Assert.False(g.Quota.Invalid);
        Delete(k, b.Root, G);
        Assert.True(g.Quota.Invalid);
        Assert.False(g.Quota.TryAlloc(1));
        Assert.Equal(0UL, f.Quota.Used);
        Assert.DoesNotContain(g, k.Objects);
    }

    [Fact]
    public void Outside_a_map_or_unmap_a_destruction_runs_at_once_also_after_one_ended()
    {
        // The reap list spans one map or unmap (ReapList.cs); a destruction outside them (a thread's death, a kernel
        // teardown) runs destroy() at once: the semaphore's memory is back and the task's space is empty right away.
        var (b, _, f, s) = FactoryWithSemaphore();
        var k = b.Kernel;
        const ulong T = 0x103;
        var t = new KTask(k, null, Fpage.Invalid);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(b.Root, T, t, CapRights.Full, "test"));
        Assert.Equal(new Kernel.MapOutcome(false, 1), k.MapObjects(b.Root, Fpage.Obj(S << 12, 0, CapRights.RWS), t, 0x20, 0, false, CapRights.RWS));
        k.UnmapObjects(b.Root, Fpage.Obj(0x7FF << 12, 0, CapRights.RWSD), UnmapMask.DeleteObj);   // an empty slot: nothing

        ulong used = f.Quota.Used;
        k.Destroy(t, "test");
        Assert.Equal(0, t.Space.Count);                                       // its teardown ran at once
        k.Destroy(s, "test");
        Assert.Equal(used - Semaphore.ObjectSize, f.Quota.Used);               // its memory is back at once
        Assert.DoesNotContain(s, k.Objects);
    }
}
