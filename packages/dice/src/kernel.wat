;; Dice-coefficient kernel for @kruispunt/dice (see wasm.ts). Hand-written; compiled to
;; kernel.wasm by `pnpm --filter @kruispunt/dice run build:kernel` (wabt), and
;; kernel.test.ts checks that the committed bytes equal a fresh compilation.
;;
;; Layout in linear memory (all offsets in bytes, 8-byte aligned):
;;   query      $words × i64 at $q
;;   candidates $n records of $words × i64 each, one after the other, from $c
;;   popcounts  $n × i32 at $pops (popcount of each candidate, precomputed)
;;   scores     $n × f64 written at $out
;; Dice(q, c) = 2·|q ∧ c| / (|q| + |c|), and 0 when both are empty.
(module
  (memory (export "memory") 1)

  ;; Number of set bits in $words 64-bit words from $ptr.
  (func (export "popcount") (param $ptr i32) (param $words i32) (result i32)
    (local $end i32) (local $acc i64)
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $words) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))
        (local.set $acc (i64.add (local.get $acc) (i64.popcnt (i64.load (local.get $ptr)))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 8)))
        (br $next)))
    (i32.wrap_i64 (local.get $acc)))

  ;; Scores of one query against $n candidates.
  (func (export "dice_batch")
    (param $q i32) (param $qpop i32) (param $c i32) (param $pops i32)
    (param $n i32) (param $words i32) (param $out i32)
    (local $outEnd i32) (local $qp i32) (local $qEnd i32) (local $inter i64) (local $den i32)
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $qEnd (i32.add (local.get $q) (i32.shl (local.get $words) (i32.const 3))))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
        (local.set $inter (i64.const 0))
        (local.set $qp (local.get $q))
        ;; two words per step: every record has an even number of words (wasm.ts pads)
        (block $wordsDone
          (loop $word
            (br_if $wordsDone (i32.ge_u (local.get $qp) (local.get $qEnd)))
            (local.set $inter
              (i64.add
                (local.get $inter)
                (i64.add
                  (i64.popcnt (i64.and (i64.load (local.get $qp)) (i64.load (local.get $c))))
                  (i64.popcnt
                    (i64.and
                      (i64.load offset=8 (local.get $qp))
                      (i64.load offset=8 (local.get $c)))))))
            (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $word)))
        (local.set $den (i32.add (local.get $qpop) (i32.load (local.get $pops))))
        (f64.store
          (local.get $out)
          (if (result f64) (local.get $den)
            (then
              (f64.div
                (f64.convert_i64_u (i64.shl (local.get $inter) (i64.const 1)))
                (f64.convert_i32_u (local.get $den))))
            (else (f64.const 0))))
        (local.set $pops (i32.add (local.get $pops) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (br $record))))
)
