; id: OBL-MAP-3
; title: a weak source never yields a counted slot, missing R maps nothing
; clauses: CAP-MAP-4
; expect: unsat
;
; The counted-reference bit (#x10) of the new slot is the source's bit ANDed with "item has no NO_REF_CNT",
; so a weak (uncounted) source cannot be upgraded. An fpage without R maps nothing at all (#x00).
;
; Sources: fiasco src/kern/map_util.cpp (Map_traits<Obj_space>::apply_attribs),
;          fiasco src/abi/l4_msg_item.cpp (send-item attribute bits), src/kern/thread-ipc.cpp (S mask of the
;          invoked cap). Model: src/Model/Kernel/RightsRules.cs MapAttr.
; Slot attribute byte: W=#x01 S=#x02 R=#x04 D=#x08, #x10 counted reference, #x20/#x40/#x80 object rights.
; The file asserts the NEGATION of the property, so unsat means the property holds for all 2^32 inputs.
(set-logic QF_BV)
(set-info :status unsat)

; The rule under proof (keep the name: tests swap it with ProofRunner.WithRule).
;   fpm = (fp & 0x0F) & ((mask & S) | R | W | D)   S survives only if the invoked cap has S
;   req = fpm | ((item & 0xF0) xor 0x10)           0x10 stored inverted: no NO_REF_CNT => counted
;   new = src & req; no R in new => nothing mapped (#x00)
(define-fun map-attr ((src (_ BitVec 8)) (fp (_ BitVec 8)) (item (_ BitVec 8)) (mask (_ BitVec 8))) (_ BitVec 8)
  (let ((fpm (bvand (bvand fp #x0F) (bvor (bvand mask #x02) (bvor #x04 (bvor #x01 #x08))))))
    (let ((req (bvor fpm (bvxor (bvand item #xF0) #x10))))
      (let ((new (bvand src req)))
        (ite (= (bvand new #x04) #x00) #x00 new)))))

(declare-fun src () (_ BitVec 8))
(declare-fun fp () (_ BitVec 8))
(declare-fun item () (_ BitVec 8))
(declare-fun mask () (_ BitVec 8))

(define-fun new () (_ BitVec 8) (map-attr src fp item mask))
; negation of: ((src & 0x10) = 0 => (new & 0x10) = 0) and ((fp & R) = 0 => new = 0)
(assert (not (and (=> (= (bvand src #x10) #x00) (= (bvand new #x10) #x00))
                  (=> (= (bvand fp #x04) #x00) (= new #x00)))))
(check-sat)
