; id: OBL-UNMAP-2
; title: partial unmap keeps the counted bit and object rights
; clauses: CAP-UNMAP-4
; expect: unsat
;
; An unmap without R revokes only W/S/D: the counted-reference bit and the object rights (#xF0) of the
; slot are untouched, so a partial unmap never turns a counted reference weak or strips a server right.
;
; Sources: fiasco src/kern/task.cpp (Task::unmap), src/kern/map_util.cpp (fpage_unmap) and the object space
;          v_delete (src/kern/obj_space_phys_util.cpp): R in the fpage rights removes the slot, otherwise
;          the given rights bits are revoked one by one.
;          Model: src/Model/Kernel/RightsRules.cs UnmapAttr.
; Slot attribute byte: W=#x01 S=#x02 R=#x04 D=#x08, #x10 counted reference, #x20/#x40/#x80 object rights.
; The file asserts the NEGATION of the property, so unsat means the property holds for all 2^16 inputs.
(set-logic QF_BV)
(set-info :status unsat)

; The rule under proof (keep the name: tests swap it with ProofRunner.WithRule).
;   (fp & R) != 0 => slot removed (#x00); otherwise new = old & ~(fp & (W|S|D))
(define-fun unmap-attr ((old (_ BitVec 8)) (fp (_ BitVec 8))) (_ BitVec 8)
  (ite (= (bvand fp #x04) #x00)
       (bvand old (bvnot (bvand fp (bvor #x01 (bvor #x02 #x08)))))
       #x00))

(declare-fun old () (_ BitVec 8))
(declare-fun fp () (_ BitVec 8))

; negation: an unmap without R changes the high nibble
(assert (= (bvand fp #x04) #x00))
(assert (not (= (bvand (unmap-attr old fp) #xF0) (bvand old #xF0))))
(check-sat)
