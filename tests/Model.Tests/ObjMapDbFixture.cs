using L4Conf.Model.Abi;
using L4Conf.Model.Kernel;
using Xunit;
using KTask = L4Conf.Model.Kernel.Task;
using Semaphore = L4Conf.Model.Kernel.Semaphore;

namespace L4Conf.Tests;

/// <summary>What the object-mapping tests share: a booted kernel and a semaphore in a slot.</summary>
internal static class ObjMapDbFixture
{
    public static (BootState B, Kernel K) Boot()
    {
        var b = BootState.Create();
        return (b, b.Kernel);
    }

    public static Semaphore Sem(Kernel k, KTask t, ulong slot, CapRights attr = CapRights.Full)
    {
        var s = new Semaphore(k);
        Assert.Equal(Kernel.InsertStatus.Ok, k.Insert(t, slot, s, attr, "test"));
        return s;
    }
}
