using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>What happens when a boot object loses its last slot (CAP-LIFE-4): it depends on the kind.</summary>
public sealed partial class Kernel
{
    /// <summary>
    /// Vlog, Scheduler and ICU hold no extra reference: they are deleted, which takes them off the object list
    /// (kobject_dbg.cpp:99-104), and their operator delete only prints a warning (vlog.cpp:68-72,
    /// scheduler.cpp:43-48, irq_controller.cpp:24-29). The sigma0 and root tasks and threads hold an extra reference
    /// (std_workload.cpp:33, 61, 90): their destroy runs, but they are never freed and stay listed. The root factory's
    /// unlimited quota never drains (ram_quota.cpp:97-105), and what deleting the Jdb object does is undefined: both
    /// simply stay.
    /// </summary>
    private void DestroyBoot(KObject obj, string reason)
    {
        string? warning = obj switch
        {
            Vlog => "WARNING: tried to delete kernel Vlog object.\n",
            Scheduler => "WARNING: tried to delete kernel scheduler object.\n         The system is now useless\n",
            Icu => "WARNING: tried to delete kernel ICU object.\n         The system is now useless\n",
            _ => null,
        };
        if (warning != null)
        {
            obj.Alive = false;
            _objects.Remove(obj);
            Trace.Add(new ObjectDestroyed(obj.DbgId, obj.JdbType, reason));
            KernelPrint(warning);
            return;
        }
        if (obj is Task or Thread)
        {
            obj.Alive = false;
            Trace.Add(new ObjectDestroyed(obj.DbgId, obj.JdbType, reason));
            if (Reaping(obj)) return;
            obj.OnDestroy();
        }
    }
}
