using L4Conf.Model.Abi;
using L4Conf.Model.Trace;

namespace L4Conf.Model.Kernel;

/// <summary>
/// Object capabilities in the mapping database: a flat copy model (no parent/child), the counted-reference
/// counter and the flush rules of Kobject_mapdb (fiasco src/kern/kobject_mapdb.cpp, map_util-objs.cpp).
/// </summary>
public sealed partial class Kernel
{
    /// <summary>Outcome of putting a capability into a slot.</summary>
    public enum InsertStatus { Ok, OutOfRange, NoMemory }

    /// <summary>
    /// Puts <paramref name="obj"/> into a slot. An occupied slot is first flushed with the kernel's full mask
    /// including delete (CAP-OVR-1); a missing table page is charged to the task's quota (CAP-QUOTA-5).
    /// </summary>
    public InsertStatus Insert(Task task, ulong index, KObject obj, CapRights attr, string cause, bool plain = false)
    {
        if (index >= ObjectSpace.Slots) return InsertStatus.OutOfRange;
        if (task.Space[index] is { } old) Flush(old, delete: true, "overwrite");
        if (!obj.Alive || (!task.Alive && !AwaitsReaping(task))) return InsertStatus.NoMemory;
        if (!EnsurePage(task, index)) return InsertStatus.NoMemory;
        var e = new CapEntry(task, index, obj, attr) { Plain = plain };
        task.Space.Put(e);
        obj.Mappings.AddFirst(e);
        if (e.Counted) obj.RefCnt++;
        Trace.Add(new CapInserted(task.DbgId, index, obj.DbgId, (byte)e.Attr, cause));
        return InsertStatus.Ok;
    }

    /// <summary>The cap-table page holding <paramref name="index"/>, allocated from the task's quota on first use (QUOTA-4).</summary>
    private static bool EnsurePage(Task task, ulong index)
    {
        if (task.Space.HasPage(index)) return true;
        if (task.Quota != null && !task.Quota.TryAlloc((ulong)ObjectSpace.PageSize)) return false;
        task.Space.AddPage(index);
        return true;
    }

    /// <summary>Empties one slot without any lifetime decision (grant, object teardown).</summary>
    private void Drop(CapEntry e, string cause)
    {
        if (!e.Space.Space.Remove(e.Index)) return;
        e.Object.Mappings.Remove(e);
        if (e.Counted && e.Object.RefCnt > 0) e.Object.RefCnt--;
        Trace.Add(new CapRemoved(e.Space.DbgId, e.Index, e.Object.DbgId, cause));
    }

    /// <summary>
    /// Kobject_mapdb::flush for one slot (CAP-UNMAP-5..8): delete with D destroys the object for everybody;
    /// a weak slot just goes; the last counted slot destroys the object; otherwise the slot goes and _cnt drops.
    /// </summary>
    internal void Flush(CapEntry e, bool delete, string cause)
    {
        var obj = e.Object;
        if (delete && (e.Attr & CapRights.D) != 0) Destroy(obj, "delete-right");
        else if (!e.Counted) Drop(e, cause);
        else if (obj.RefCnt <= 1) Destroy(obj, "last-reference");
        else Drop(e, cause);
    }

    /// <summary>
    /// Invalidates every slot naming the object in every task, then runs its destruction effects. Boot objects
    /// go their own ways (CAP-LIFE-4, <see cref="DestroyBoot"/>).
    /// </summary>
    public void Destroy(KObject obj, string reason)
    {
        if (!obj.Alive) return;
        foreach (var e in obj.Mappings.ToList()) Drop(e, "object-deleted");
        obj.RefCnt = 0;
        if (obj.IsBoot)
        {
            DestroyBoot(obj, reason);
            return;
        }
        obj.Alive = false;
        if (!HeldByKernelObject(obj)) _objects.Remove(obj);                 // else when the last holder lets go (CAP-LIFE-2)
        Trace.Add(new ObjectDestroyed(obj.DbgId, obj.JdbType, reason));
        if (Reaping(obj)) return;
        obj.OnDestroy();
        obj.Release();
    }

    /// <summary>Result of one object map operation (for Task::map and later IPC map items).</summary>
    /// <summary>What a map did: failed, how many pages or slots it mapped, and whether the kernel found nothing to map (empty_map: the return item says map-nothing).</summary>
    public readonly record struct MapOutcome(bool MapFailed, int Mapped, bool EmptyMap = false);

    /// <summary>
    /// Maps (or grants) the object slots named by <paramref name="fp"/> in <paramref name="src"/> into <paramref name="dst"/>
    /// with the whole destination space as receive window: destination index = hot spot rounded down to the
    /// fpage size (abi-facts §3.2). <paramref name="mask"/> carries the S bit of the transfer cap (CAP-MAP-3).
    /// </summary>
    public MapOutcome MapObjects(Task src, Fpage fp, Task dst, ulong hotSpot, byte itemAttr, bool grant, CapRights mask,
        ulong rcvBase = 0, int rcvOrder = 63)
    {
        using var reap = ReapList();
        return MapObjectsReaping(src, fp, dst, hotSpot, itemAttr, grant, mask, rcvBase, rcvOrder);
    }

    private MapOutcome MapObjectsReaping(Task src, Fpage fp, Task dst, ulong hotSpot, byte itemAttr, bool grant, CapRights mask,
        ulong rcvBase, int rcvOrder)
    {
        if (fp.Type != FpageType.Obj) return new(false, 0);
        // Object space orders are slot counts, up to 63 (get_order_from_fp); they are not clipped to the 2^16 slots of
        // a space: the placement uses the real orders and the loop below stops at the space end, so a destination at
        // or beyond slot 65536 maps nothing (CAP-MAP-6).
        var (srcBase, dstBase, count) = Fpage.Place(fp.CapIndex, Math.Min(fp.Order, 63), rcvBase, Math.Min(rcvOrder, 63), hotSpot);
        int mapped = 0;
        bool found = false;
        // The real loop (map_util.cpp:555-581): a slot that is empty or whose rights lose R is skipped as a chunk of
        // one slot in an existing cap-table page, else up to that page's end (obj_space_phys_util.cpp:186-189); the
        // chunk that covers the rest of the send ends the loop without moving on, so `si` is the warning's START.
        ulong si = srcBase, di = dstBase, left = count;
        for (; left != 0 && si < ObjectSpace.Slots && di < ObjectSpace.Slots; si++, di++, left--)
        {
            var se = src.Space[si];
            var attr = se == null ? CapRights.None : Config.MapAttr(se.Attr, fp.Rights, itemAttr, mask);
            if (se == null || attr == CapRights.None)
            {
                // Nothing at the sender, or no R (CAP-MAP-2): nothing mapped, not an error.
                ulong chunk = se == null && !src.Space.HasPage(si) ? ObjectSpace.EntriesPerPage - si % ObjectSpace.EntriesPerPage : 1;
                if (chunk >= left) break;
                si += chunk - 1; di += chunk - 1; left -= chunk - 1;
                continue;
            }
            found = true;
            if (ReferenceEquals(src, dst) && si == di)
            {
                // Destination equals source: the slot is flushed with the full mask and nothing is inserted (CAP-OVR-3, DERIVED).
                Flush(se, delete: true, "overwrite");
                continue;
            }
            var obj = se.Object;
            bool plain = se.Plain || RightsRules.Downgrades(obj, attr);
            // CAP-OVR-1: an occupied destination is flushed with the full mask first (map_util.cpp:652-698). If that
            // leaves the object without any slot (is_mappable, map_util.cpp:359-368, 716-721), nothing is inserted
            // and no error is reported.
            if (dst.Space[di] is { } old) Flush(old, delete: true, "overwrite");
            if (obj.Mappings.Count == 0) continue;
            // A flush that destroyed the source or the destination task itself only queued its teardown: the map goes
            // on in both spaces, and the teardown flushes them when the operation ends (ReapList).
            var st = grant ? Grant(se, dst, di, attr, plain) : Insert(dst, di, obj, attr, "map", plain);
            if (st == InsertStatus.NoMemory) return new(true, mapped);
            if (st == InsertStatus.Ok) mapped++;
        }
        if (!found && count > 0) WarnNothingMapped("Obj_space", src, si, count, dst);
        return new(false, mapped);
    }

    /// <summary>
    /// Kobject_mapdb::grant (CAP-GRANT-1): the new entry takes the source's place in the object's list and the
    /// source slot empties; a counted source turned weak lowers _cnt, and at zero the object is invalidated.
    /// </summary>
    private InsertStatus Grant(CapEntry se, Task dst, ulong di, CapRights attr, bool plain)
    {
        var obj = se.Object;
        if (dst.Space[di] is { } old) Flush(old, delete: true, "overwrite");
        if (!obj.Alive || se.Space.Space[se.Index] != se) return InsertStatus.NoMemory;
        if (!EnsurePage(dst, di)) return InsertStatus.NoMemory;
        var e = new CapEntry(dst, di, obj, attr) { Plain = plain };
        se.Space.Space.Remove(se.Index);
        var node = obj.Mappings.Find(se)!;
        obj.Mappings.AddBefore(node, e);
        obj.Mappings.Remove(node);
        dst.Space.Put(e);
        Trace.Add(new CapRemoved(se.Space.DbgId, se.Index, obj.DbgId, "grant"));
        Trace.Add(new CapInserted(dst.DbgId, di, obj.DbgId, (byte)e.Attr, "grant"));
        if (se.Counted && !e.Counted && --obj.RefCnt <= 0) Destroy(obj, "last-reference");
        return InsertStatus.Ok;
    }

    /// <summary>
    /// Object part of Task::unmap (CAP-UNMAP-1..8): without the self bit (OTHER_SPACES) nothing happens, because
    /// object capabilities have no children; with it each slot is flushed (R given) or loses the given rights.
    /// </summary>
    public void UnmapObjects(Task task, Fpage fp, UnmapMask mask)
    {
        using var reap = ReapList();
        if (fp.Type != FpageType.Obj && !fp.IsAllSpaces) return;
        if (((ulong)mask & (ulong)UnmapMask.AllSpaces) == 0) return;
        bool delete = ((ulong)mask & 0x4000_0000) != 0;
        // The range is the fpage's own order (63 for all-spaces) with the index masked to it, clipped to the space;
        // the rights are the fpage's own, all-spaces included (l4_fpage_all() has rights 0 and revokes nothing).
        int order = Math.Min(fp.Order, 63);
        ulong size = 1UL << order, b = fp.CapIndex & ~(size - 1);
        var targets = task.Space.Entries.Where(e => e.Index >= b && e.Index - b < size).ToList();
        byte rights = fp.Rights;
        foreach (var e in targets)
        {
            if (task.Space[e.Index] != e) continue;             // already gone through an earlier destruction
            if ((rights & (byte)CapRights.R) != 0) Flush(e, delete, "unmap");
            else
            {
                var old = e.Attr;
                e.Attr = RightsRules.UnmapAttr(old, rights);
                if (e.Attr != old) Trace.Add(new CapRightsChanged(task.DbgId, e.Index, (byte)old, (byte)e.Attr));
            }
        }
    }
}
