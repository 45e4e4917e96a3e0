#!/usr/bin/env bash
# lostwax vault end to end: designs go in and come back byte for byte, the same design is kept
# once, a key rotation keeps everything readable and leaves only the new key in the key file,
# and damage is caught: a flipped byte in a blob fails get and verify with exit 1, never giving
# out the altered design; a key file others can read is refused with exit 2.
. "$(dirname "$0")/lib.sh"

studio="$work/studio"
blob_file() { echo "$studio/vault/${1:0:2}/${1:2}"; }
# flip_byte FILE OFFSET: xor one bit of the byte at OFFSET, in place.
flip_byte() {
  local b
  b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
  printf "\\$(printf %03o $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# ---- put and get: a design, an empty file, a design from standard input
run demo "$work/demo"
expect_rc 0 "demo"
band="$work/demo/band.stl"
run vault put "$band" --studio "$studio" --json
expect_rc 0 "put the band"
id=$(jqv '.id')
expect_in "$(jqv '.bytes')" "$(stat -c %s "$band")" "put: the file's size"
checks=$((checks + 1))
[[ "$id" =~ ^[0-9a-f]{64}$ ]] || fail "id is not 64 hex digits: $id"
checks=$((checks + 1))
key_mode=$(stat -c %a "$studio/vault.key")
[ "$key_mode" = 600 ] || fail "key file mode $key_mode"
checks=$((checks + 1))
cmp -s "$band" "$(blob_file "$id")" && fail "the blob file holds the design in the clear"

run vault get "$id" -o "$work/back.stl" --studio "$studio"
expect_rc 0 "get the band"
checks=$((checks + 1))
cmp -s "$band" "$work/back.stl" || fail "get: the band did not come back byte for byte"

run vault put "$band" --studio "$studio"
expect_rc 0 "put the band again"
expect_in "$out" "$id" "the same design has the same id"
checks=$((checks + 1))
[ "$(find "$studio/vault" -type f -name '[0-9a-f]*' | wc -l)" -eq 1 ] || fail "stored twice"

: >"$work/empty"
run vault put "$work/empty" --studio "$studio" --json
expect_rc 0 "put an empty file"
empty_id=$(jqv '.id')
printf 'ring, size N, 18k white gold, revision 7\n' >"$work/note.txt"
"$LOSTWAX" vault put - --studio "$studio" --json <"$work/note.txt" >"$work/out" 2>"$work/err"
rc=$?
out=$(cat "$work/out")
expect_rc 0 "put from standard input"
note_id=$(jqv '.id')
run vault get "$note_id" -o - --studio "$studio"
expect_rc 0 "get to standard output"
expect_in "$out" "revision 7" "standard output holds the note"

run vault verify --studio "$studio" --json
expect_rc 0 "verify a sound vault"
expect_near "$(jqv '.ok')" 3 0 "three blobs ok"
expect_near "$(jqv '.corrupt')" 0 0 "none corrupt"
expect_near "$(jqv '.bytes')" "$(($(stat -c %s "$band") + $(stat -c %s "$work/note.txt")))" 0 \
  "verify counts the plaintext bytes"

# ---- rotate the key: everything reads back, only the new generation is left
old_key=$(awk '$1 == "gen" { print $3 }' "$studio/vault.key")
run vault rotate-key --studio "$studio" --json
expect_rc 0 "rotate-key"
expect_near "$(jqv '.generation')" 2 0 "generation 2"
expect_near "$(jqv '.reencrypted')" 3 0 "three blobs re-encrypted"
expect_in "$(jqv '.resumed')" false "a fresh rotation"
checks=$((checks + 1))
[ "$(awk '$1 == "gen"' "$studio/vault.key" | wc -l)" -eq 1 ] || fail "old generations kept"
checks=$((checks + 1))
grep -q "$old_key" "$studio/vault.key" && fail "the old key is still in the key file"
checks=$((checks + 1))
[ "$(stat -c %a "$studio/vault.key")" = 600 ] || fail "rotation changed the key file's mode"
for pair in "$id:$band" "$note_id:$work/note.txt" "$empty_id:$work/empty"; do
  run vault get "${pair%%:*}" -o "$work/r" --studio "$studio"
  expect_rc 0 "get after rotation"
  checks=$((checks + 1))
  cmp -s "${pair#*:}" "$work/r" || fail "after rotation ${pair#*:} did not come back"
done

# ---- stray temporary files: reported, not an error
mkdir -p "$studio/vault/${id:0:2}"
printf 'half' >"$studio/vault/${id:0:2}/.tmp-0123456789abcdef"
run vault verify --studio "$studio"
expect_rc 0 "verify with a stray file"
expect_in "$out" "1 stray file" "the stray file is counted"
expect_in "$out" ".tmp-0123456789abcdef" "and named"
rm "$studio/vault/${id:0:2}/.tmp-0123456789abcdef"

# ---- a flipped byte: caught by get and verify, exit 1, nothing written
cp "$(blob_file "$id")" "$work/blob.orig"
flip_byte "$(blob_file "$id")" 100
rm -f "$work/bad.stl"
run vault get "$id" -o "$work/bad.stl" --studio "$studio"
expect_rc 1 "get a damaged blob"
expect_in "$err" "authentication failed" "get says why"
checks=$((checks + 1))
[ -e "$work/bad.stl" ] && fail "a damaged blob was written out"
run vault verify --studio "$studio" --json
expect_rc 1 "verify finds the damaged blob"
expect_near "$(jqv '.corrupt')" 1 0 "one corrupt"
expect_near "$(jqv '.ok')" 2 0 "two still ok"
expect_in "$(jqv '.problems[0].id')" "$id" "verify names the damaged blob"
run vault verify --studio "$studio"
expect_rc 1 "verify (text) finds it too"
expect_in "$out" "corrupt" "text report"
# A flip in the header (the generation) is caught as well.
cp "$work/blob.orig" "$(blob_file "$id")"
flip_byte "$(blob_file "$id")" 8
run vault get "$id" -o "$work/bad.stl" --studio "$studio"
expect_rc 1 "get a blob with a damaged header"
cp "$work/blob.orig" "$(blob_file "$id")"
run vault get "$id" -o "$work/back2.stl" --studio "$studio"
expect_rc 0 "restored blob reads again"

# ---- bad input: exit 2
run vault get "not-an-id" -o "$work/x" --studio "$studio"
expect_rc 2 "malformed id"
run vault get "$(printf 'e%.0s' {1..64})" -o "$work/x" --studio "$studio"
expect_rc 2 "unknown id"
expect_in "$err" "no such blob" "unknown id message"
run vault verify --studio "$work/nowhere"
expect_rc 2 "no vault there"
run vault get "$id" --studio "$studio"
expect_rc 2 "get without -o"
run vault put "$work/missing.stl" --studio "$studio"
expect_rc 2 "put a missing file"
run vault polish --studio "$studio"
expect_rc 2 "unknown vault command"
chmod 644 "$studio/vault.key"
run vault verify --studio "$studio"
expect_rc 2 "a key file others can read"
expect_in "$err" "chmod 600" "says how to fix it"
chmod 600 "$studio/vault.key"
run vault verify --studio "$studio"
expect_rc 0 "fine again at 0600"

finish
