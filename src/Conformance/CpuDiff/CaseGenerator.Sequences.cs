using Iced.Intel;
using L4Conf.Model.Machine;

namespace L4Conf.Conformance.CpuDiff;

/// <summary>
/// Cases of more than one instruction: a flag producer and a consumer (the lazy-flag paths single instructions never
/// take), and chains of register instructions whose flags are all defined.
/// </summary>
public sealed partial class CaseGenerator
{
    /// <summary>Flag producers for sequences: every flag a condition, adc or sbb reads is defined after them.</summary>
    private static readonly HashSet<string> Producers = ["add", "sub", "cmp", "adc", "sbb", "neg", "inc", "dec", "and", "or", "xor", "test"];

    /// <summary>One form per consumer mnemonic (each jcc, setcc, cmovcc, adc, sbb, cmc, clc, stc, rol, ror, inc, dec), after a random producer form.</summary>
    private IEnumerable<Form> SequenceForms(List<Form> forms)
    {
        var producers = forms.Where(f => Producers.Contains(f.Mnemonic)).ToList();
        // Conditions read flags straight from the producer's operands; adc/sbb/cmc/inc/dec read or keep its CF;
        // clc/stc and rotates keep its other flags: each path through the lazy flags.
        bool Consumer(Form f) => (f.Mnemonic.StartsWith('j') && f.Mnemonic != "jmp") || f.Mnemonic.StartsWith("set", StringComparison.Ordinal)
            || f.Mnemonic.StartsWith("cmov", StringComparison.Ordinal) || f.Mnemonic is "adc" or "sbb" or "cmc" or "clc" or "stc" or "rol" or "ror" or "inc" or "dec";
        foreach (var g in forms.Where(Consumer).GroupBy(f => f.Mnemonic))
        {
            var consumers = g.ToList();
            yield return new Form("seq:" + g.Key, g.Key, Code.INVALID, false,
                rng => MakeSequence(producers[rng.Next(producers.Count)], consumers[rng.Next(consumers.Count)], rng));
        }
    }

    /// <summary>
    /// Instructions that may follow each other in a chain: every flag any of them reads is defined after all of them
    /// (no shifts, rotates, multiplies or divides), and none touches memory except push/pop.
    /// </summary>
    private static readonly HashSet<string> ChainSafe = [.. Producers, "mov", "movzx", "movsx", "movsxd", "xchg", "not", "cbw", "cwde", "cdqe",
        "cwd", "cdq", "cqo", "push", "pop", "cmc", "clc", "stc"];

    /// <summary>No branches: a target inside the chain would run the middle of an instruction (sequences cover jcc).</summary>
    private static bool InChain(Form f) => !f.Memory && f.Custom == null &&
        (ChainSafe.Contains(f.Mnemonic) || f.Mnemonic.StartsWith("set", StringComparison.Ordinal) || f.Mnemonic.StartsWith("cmov", StringComparison.Ordinal));

    /// <summary>
    /// Chains of 2 to 5 register instructions: partial-register writes merging across instructions (AH..BH, 8/16-bit
    /// writes, 32-bit zero-extension), the lazy flags carried through several instructions (inc/dec keep CF for a
    /// later adc), push/pop pairs. RSP is reset to the stack page after drawing, so push/pop stay on it.
    /// </summary>
    private IEnumerable<Form> ChainForms(List<Form> forms)
    {
        var pool = forms.Where(InChain).ToList();
        for (int n = 2; n <= 5; n++)
        {
            int len = n;
            yield return new Form($"chain:{len}", "chain", Code.INVALID, false, rng => MakeChain(pool, len, rng));
        }
    }

    private GeneratedCase? MakeChain(List<Form> pool, int n, Random rng)
    {
        var d = NewDraft(rng);
        var a = new Assembler(64);
        ulong undefined = 0;
        for (int k = 0, tries = 0; k < n; tries++)
        {
            if (tries > 8 * n) return null;
            var f = pool[rng.Next(pool.Count)];
            if (Draw(f, rng, d, out ulong u) is not Instruction ins || Encode(ins) == null) continue;
            // RSP stays a stack pointer: a chain never writes it except through push/pop
            if (ins.OpCount > 0 && ins.Op0Kind == OpKind.Register && ins.Op0Register.GetFullRegister() == Register.RSP) continue;
            if (ins.Mnemonic == Mnemonic.Xchg && ins.Op1Kind == OpKind.Register && ins.Op1Register.GetFullRegister() == Register.RSP) continue;
            a.AddInstruction(ins);
            undefined |= u;
            k++;
        }
        try
        {
            var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip, BlockEncoderOptions.DontFixBranches);
            d.Regs[(int)Reg.Rsp] = CaseLayout.StackPointer;
            return Case($"chain:{n}", "chain", rng, d, ms.ToArray(), undefined, n);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
    }

    /// <summary>
    /// A flag producer followed by a consumer (jcc, setcc, cmovcc, adc, sbb): the model computes flags lazily and
    /// evaluates conditions straight from the producer's operands, a path single instructions never take. Producers
    /// are the instructions whose flags the conditions read are all defined.
    /// </summary>
    public GeneratedCase? MakeSequence(Form producer, Form consumer, Random rng)
    {
        var d = NewDraft(rng);
        if (Draw(producer, rng, d, out ulong undefined) is not Instruction p) return null;
        if (rng.Next(3) == 0) Equalize(p, d.Regs); // equal operands: the boundary of every unsigned and signed condition
        if (Draw(consumer, rng, d, out ulong u2) is not Instruction c) return null;
        var a = new Assembler(64);
        a.AddInstruction(p);
        a.AddInstruction(c);
        byte[] bytes;
        try
        {
            var ms = new MemoryStream();
            a.Assemble(new StreamCodeWriter(ms), CaseLayout.Rip, BlockEncoderOptions.DontFixBranches);
            bytes = ms.ToArray();
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or EncoderException) { return null; }
        bool overwrites = consumer.Mnemonic is "adc" or "sbb";
        return Case($"seq:{producer.Id}+{consumer.Id}", consumer.Mnemonic, rng, d, bytes, overwrites ? u2 : undefined | u2)
            with { FlagsFrom = overwrites ? consumer.Mnemonic : producer.Mnemonic };
    }

    /// <summary>Give a two-operand producer equal operands (the second register gets the first's value, or the first the immediate).</summary>
    private static void Equalize(in Instruction p, ulong[] regs)
    {
        if (p.OpCount != 2 || p.Op0Kind != OpKind.Register || p.Op0Register.GetFullRegister() == Register.RSP) return;
        int d = p.Op0Register.GetFullRegister().GetNumber();
        if (p.Op1Kind == OpKind.Register && !p.Op0Register.IsGPR8() && !p.Op1Register.IsGPR8())
            regs[p.Op1Register.GetFullRegister().GetNumber()] = regs[d];
        else if (p.Op1Kind is not (OpKind.Register or OpKind.Memory) && p.Op0Register is not (Register.AH or Register.CH or Register.DH or Register.BH))
            regs[d] = p.GetImmediate(1);
    }
}
