; id: OBL-NED-1
; title: Ned's rights letters cannot exceed the holder's rights after mapping
; clauses: NED-RIGHTS-1, CAP-MAP-1, CAP-MAP-3
; expect: unsat
;
; Ned (l4re ned/server/src/lua_cap.cc) keeps a Lua cap's rights as a 16-bit value v; set_rights always ORs
; in R (4). Letters: r=#x04 w=#x01 s=#x02 d=#x08 n=#x10 c=#x20; a number is taken as-is plus R. So every
; reachable v is "any 16-bit raw value | R", which covers both the letter sets and plain numbers.
; When Ned hands the cap to a child it calls Task::map (fiasco src/kern/task.cpp) with fpage rights
; v & #xF and send-item attribute byte v & #xF0; the S mask is (srcTask & dstTask) | R | W | D, where
; srcTask/dstTask are the rights of the two task caps Ned invokes.
; Model: src/Model/Kernel/RightsRules.cs MapAttr. Other sources as in OBL-MAP-1.
; The file asserts the NEGATION of the property, so unsat means it holds for every input.
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

(declare-fun raw () (_ BitVec 16))
(declare-fun holder () (_ BitVec 8))
(declare-fun srcTask () (_ BitVec 8))
(declare-fun dstTask () (_ BitVec 8))

; Ned's value always carries R
(define-fun v () (_ BitVec 16) (bvor raw #x0004))
(define-fun child () (_ BitVec 8)
  (map-attr holder
            ((_ extract 7 0) (bvand v #x000F))
            ((_ extract 7 0) (bvand v #x00F0))
            (bvand srcTask dstTask)))

; negation: the child's slot has a bit the holder's slot lacks
(assert (not (= (bvand child (bvnot holder)) #x00)))
(check-sat)
