; id: OBL-MAP-5
; title: an IPC map item passes S only when the invoked cap has S
; clauses: CAP-MAP-3
; expect: unsat
; trace: IPC map item of a slot with attributes {src} (item bits {item}, fpage rights {fp}) sent through a cap with rights {sendcap}: the receiver's new slot is {new}, with S although the invoked cap lacks it
;
; The model's own terms (src/Model/Kernel/RightsRules.cs) replace these define-funs when `l4conf prove` runs,
; after proving that the text below says the same.
;
; Sources: fiasco src/kern/thread-ipc.cpp (transfer_msg_items: the rights of the invoked cap),
;          src/kern/map_util.cpp (Map_traits<Obj_space>::apply_attribs).
(set-logic QF_BV)
(set-info :status unsat)

(define-fun ipc-map-mask ((sendcap (_ BitVec 8))) (_ BitVec 8)
  (bvor (bvand sendcap #x03) #x0d))

(define-fun map-attr ((src (_ BitVec 8)) (fp (_ BitVec 8)) (item (_ BitVec 8)) (mask (_ BitVec 8))) (_ BitVec 8)
  (let ((new (bvand src (bvor (bvand (bvand fp #x0f) (bvor (bvand mask #x02) #x0d)) (bvxor (bvand item #xf0) #x10)))))
    (ite (= (bvand new #x04) #x00) #x00 new)))

(declare-fun src () (_ BitVec 8))
(declare-fun fp () (_ BitVec 8))
(declare-fun item () (_ BitVec 8))
(declare-fun sendcap () (_ BitVec 8))
(declare-fun new () (_ BitVec 8))
(assert (= new (map-attr src fp item (ipc-map-mask sendcap))))

; negation: the new slot has S, and the invoked cap lacks S
(assert (not (= (bvand new #x02) #x00)))
(assert (= (bvand sendcap #x02) #x00))
(check-sat)
