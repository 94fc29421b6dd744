; id: OBL-MAP-4
; title: Task::map passes S only when both task caps have S
; clauses: CAP-MAP-3, TASK-MAP-1
; expect: unsat
; trace: Task::map of a slot with attributes {src} (item bits {item}, fpage rights {fp}) through the source task cap {srctask} into the task of cap {dsttask}: the new slot is {new}, with S although a task cap lacks it
;
; The S right of a mapped capability survives Task::map only when the source task cap (the item's) and the
; destination task cap (the invoked one) both carry S. The two rules are the model's own terms
; (src/Model/Kernel/RightsRules.cs): `l4conf prove` replaces these define-funs with the ones the kernel model
; evaluates, after proving that the text below says the same.
;
; Sources: fiasco src/kern/task.cpp (Task::sys_map: the mask from both task caps), src/kern/map_util.cpp
;          (Map_traits<Obj_space>::apply_attribs).
(set-logic QF_BV)
(set-info :status unsat)

(define-fun task-map-mask ((srctask (_ BitVec 8)) (dsttask (_ BitVec 8))) (_ BitVec 8)
  (bvor (bvand srctask dsttask) #x0d))

(define-fun map-attr ((src (_ BitVec 8)) (fp (_ BitVec 8)) (item (_ BitVec 8)) (mask (_ BitVec 8))) (_ BitVec 8)
  (let ((new (bvand src (bvor (bvand (bvand fp #x0f) (bvor (bvand mask #x02) #x0d)) (bvxor (bvand item #xf0) #x10)))))
    (ite (= (bvand new #x04) #x00) #x00 new)))

(declare-fun src () (_ BitVec 8))
(declare-fun fp () (_ BitVec 8))
(declare-fun item () (_ BitVec 8))
(declare-fun srctask () (_ BitVec 8))
(declare-fun dsttask () (_ BitVec 8))
(declare-fun new () (_ BitVec 8))
(assert (= new (map-attr src fp item (task-map-mask srctask dsttask))))

; negation: the new slot has S, and one of the task caps lacks S
(assert (not (= (bvand new #x02) #x00)))
(assert (or (= (bvand srctask #x02) #x00) (= (bvand dsttask #x02) #x00)))
(check-sat)
