namespace L4Conf.Model.Kernel;

/// <summary>
/// What fiasco's Irq base class gives both Irq_sender and Semaphore: either can sit on an interrupt-controller pin
/// (icu_helper.cpp:132-133 takes any Ko::Cap&lt;Irq&gt;).
/// </summary>
public interface IIrq
{
    /// <summary>The controller pin it is attached to, -1 when none.</summary>
    int IcuPin { get; set; }
}
