; id: OBL-MAP-2
; title: S survives only when the invoked cap has S
; clauses: CAP-MAP-3
; expect: unsat
;
; The send right S of the mapped slot is masked by the S bit of the capability used for the transfer
; (the IPC gate/thread cap, or the task caps for Task::map): without S on it, no slot receives S.
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

; negation: the transfer cap lacks S, yet the new slot has S
(assert (= (bvand mask #x02) #x00))
(assert (not (= (bvand (map-attr src fp item mask) #x02) #x00)))
(check-sat)
