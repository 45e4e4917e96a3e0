#!/usr/bin/env bash
# The studio's HTTP API end to end: a real `lostwax serve` on a free port with an empty studio,
# staff of every role added with `lostwax user add`, and curl. It proves:
#  - the role matrix: for every route, each role that should may, and each that should not gets
#    403 "denied" (the expectations are written here, independently of the server's tables);
#  - sessions: no cookie is 401; a state-changing request without the CSRF header is 403;
#    signing out ends the session; a wrong password and an unknown user get the same 403;
#  - bad input: malformed JSON, wrong types, unknown fields, unknown ids, huge bodies, bad
#    methods, each a 4xx with a message, and nothing written;
#  - the login rate limit answers 429, and the board still answers meanwhile;
#  - static files: the UI's index, and no way out of the web folder.
. "$(dirname "$0")/lib.sh"
need_program curl

studio="$work/studio"
mkdir -p "$studio" "$work/web"
echo '<!doctype html><title>lostwax test</title>' >"$work/web/index.html"
echo 'secret' >"$work/secret.txt"
for u in olga:owner anna:front dario:designer wen:workshop bruno:bench; do
  name=${u%%:*} role=${u##*:}
  run user add "$name" --role "$role" --studio "$studio" <<<"pw-$name-12345"
  expect_rc 0 "user add $name"
done
run user add eve --role emperor --studio "$studio" <<<"whatever123"
expect_rc 2 "an unknown role"
run user list --studio "$studio" --json
expect_in "$(jqv '[.staff[].username] | join(",")')" "anna,bruno,dario,olga,wen" "user list"

"$LOSTWAX" serve --studio "$studio" --empty --port 0 --bind 127.0.0.1 --web "$work/web" \
  >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
port=
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*http:\/\/[^:]*:\([0-9]*\)\/.*/\1/p' "$work/serve.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/serve.log"; fail "the server did not start"; finish; exit 1; }
base="http://127.0.0.1:$port"

# req WHO METHOD PATH [BODY] [EXTRA CURL ARGS...]: sets $status and $body. WHO is a role's
# user name (its cookie jar and CSRF token), or "none".
declare -A csrf
req() {
  local who=$1 method=$2 path=$3 data=${4-}
  shift 4 2>/dev/null || shift $#
  local args=(-s -o "$work/body" -w '%{http_code}' -X "$method" "$base$path")
  if [ "$who" != none ]; then
    args+=(-b "$work/jar-$who")
    [ -n "${csrf[$who]-}" ] && args+=(-H "X-CSRF-Token: ${csrf[$who]}")
  fi
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  status=$(curl "${args[@]}" "$@")
  body=$(cat "$work/body")
}
expect_status() { # expect_status CODE what
  checks=$((checks + 1))
  [ "$status" = "$1" ] || fail "$2: HTTP $status, expected $1: $body"
}

for who in olga anna dario wen bruno; do
  status=$(curl -s -o "$work/body" -w '%{http_code}' -c "$work/jar-$who" \
    -H 'Content-Type: application/json' \
    --data-binary "{\"username\":\"$who\",\"password\":\"pw-$who-12345\"}" "$base/api/login")
  body=$(cat "$work/body")
  expect_status 200 "sign in as $who"
  csrf[$who]=$(jq -r .csrf <<<"$body")
  checks=$((checks + 1))
  grep -q 'HttpOnly' "$work/jar-$who" || grep -q '#HttpOnly_' "$work/jar-$who" ||
    fail "the session cookie of $who is not HttpOnly"
done
# The cookie's attributes as sent.
hdr=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  --data-binary '{"username":"anna","password":"pw-anna-12345"}' "$base/api/login")
expect_in "$hdr" "SameSite=Strict" "session cookie is SameSite=Strict"
expect_in "$hdr" "HttpOnly" "session cookie is HttpOnly"
expect_in "$hdr" "X-Content-Type-Options: nosniff" "security headers"

# ---- a little studio to act on: a customer, an order with one ring ----
req olga POST /api/prices '{"metal":"18k-yellow","minor_per_g":7250}'
expect_status 200 "owner sets the gold price"
req anna POST /api/customers '{"name":"Zoë Ångström","email":"zoe@example.org"}'
expect_status 200 "front creates a customer"
cust=$(jq -r .id <<<"$body")
req anna POST /api/orders "{\"customer_id\":$cust,\"pieces\":[{\"kind\":\"ring\",\"metal\":\"18k-yellow\",\"ring_size\":\"7\",\"ring_chart\":\"us\",\"est_metal_mg\":4000}]}"
expect_status 200 "front takes an order"
order=$(jq -r .id <<<"$body")
piece=$(jq -r '.pieces[0].id' <<<"$body")
code=$(jq -r '.pieces[0].code' <<<"$body")
expect_near "$(jq -r '.quote.pieces[0].metal_minor' <<<"$body")" 29000 0 "4 g at 72.50 a gram"

# ---- the role matrix: route, body, roles allowed ----
matrix=(
  "GET|/api/me||olga anna dario wen bruno"
  "GET|/api/staff||olga"
  "GET|/api/audit||olga"
  "GET|/api/audit/verify||olga"
  "GET|/api/customers||olga anna"
  "POST|/api/customers|{\"name\":\"X\"}|olga anna"
  "GET|/api/customers/$cust||olga anna"
  "PUT|/api/customers/$cust|{\"phone\":\"+1 555\"}|olga anna"
  "POST|/api/customers/$cust/sizes|{\"size\":\"54.4mm\"}|olga anna"
  "GET|/api/orders||olga anna"
  "GET|/api/orders/$order||olga anna"
  "POST|/api/orders/$order/quote|{}|olga anna"
  "GET|/api/orders/$order/promise||olga anna"
  "POST|/api/orders/$order/payments|{\"amount_minor\":100,\"kind\":\"deposit\"}|olga anna"
  "POST|/api/orders|{\"customer_id\":$cust,\"pieces\":[{\"kind\":\"pendant\",\"metal\":\"sterling\"}]}|olga anna"
  "GET|/api/board||olga anna dario wen bruno"
  "GET|/api/pieces/$piece||olga anna dario wen bruno"
  "GET|/api/pieces/code/$code||olga anna dario wen bruno"
  "POST|/api/pieces/$piece/move|{\"to\":\"approval\"}|olga anna dario"
  "GET|/api/prices||olga anna"
  "POST|/api/prices|{\"metal\":\"sterling\",\"minor_per_g\":140}|olga"
  "POST|/api/labour|{\"kind\":\"ring\",\"minor\":28000}|olga"
)
for row in "${matrix[@]}"; do
  IFS='|' read -r method path data allowed <<<"$row"
  for who in olga anna dario wen bruno; do
    req "$who" "$method" "$path" "$data"
    if [[ " $allowed " == *" $who "* ]]; then
      checks=$((checks + 1))
      case "$status" in 401 | 403 | 5*) fail "$who may $method $path: HTTP $status $body" ;; esac
    else
      expect_status 403 "$who may not $method $path"
      expect_in "$(jq -r .code <<<"$body")" denied "$who $method $path: code"
    fi
  done
done

# The board is cached for the tablets, but never across a write: the move above shows at once.
req wen GET /api/board ""
expect_in "$(jq -r --argjson p "$piece" '.lanes[] | select(.pieces[].id == $p) | .stage' <<<"$body")" \
  approval "the board shows the move at once"
req olga POST "/api/pieces/$piece/move" '{"to":"design","note":"the customer wants changes"}'
expect_status 200 "send back to design with a note"
req wen GET /api/board ""
expect_in "$(jq -r --argjson p "$piece" '.lanes[] | select(.pieces[].id == $p) | .stage' <<<"$body")" \
  design "and the next move too"

# ---- designs: upload, previews, CAD, approval at the counter and by link ----
run demo "$work/demo"
band="$work/demo/band.stl"
run info "$band" --json
vol=$(jqv '.files[0].volume_mm3')
up() { # up WHO PIECE FILE NAME: uploads a CAD file as a new revision
  status=$(curl -s -o "$work/body" -w '%{http_code}' -X POST -b "$work/jar-$1" \
    -H "X-CSRF-Token: ${csrf[$1]}" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$3" "$base/api/pieces/$2/revisions?name=$4")
  body=$(cat "$work/body")
}
up anna "$piece" "$band" band.stl
expect_status 403 "front may not upload CAD"
printf 'hello, this is not a mesh' >"$work/junk.stl"
up dario "$piece" "$work/junk.stl" junk.stl
expect_status 400 "a file that is not a mesh"
printf 'solid open\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 10 0 0\nvertex 0 10 0\nendloop\nendfacet\nendsolid open\n' >"$work/open.stl"
up dario "$piece" "$work/open.stl" open.stl
expect_status 400 "an open surface"
expect_in "$(jq -r .error <<<"$body")" "not closed" "says why"
up dario "$piece" "$band" band.stl
expect_status 200 "the designer uploads the band"
rev1=$(jq -r .id <<<"$body")
blob1=$(jq -r .blob_id <<<"$body")
# 18K yellow is 15.58 g/cm3 (data/metals.tsv): the weight from the mesh's own volume.
expect_near "$(jq -r .metal_mg <<<"$body")" "$(calc "$vol * 15.58")" 1 "the design's metal weight"
req wen GET "/api/revisions/$rev1/preview.png" ""
expect_status 200 "the workshop sees the preview"
expect_in "$(head -c 8 "$work/body" | od -An -c | tr -d ' ')" PNG "the preview is a PNG"
req anna GET "/api/revisions/$rev1/cad" ""
expect_status 403 "front never gets the CAD"
req dario GET "/api/revisions/$rev1/cad" ""
expect_status 200 "the designer exports the CAD"
checks=$((checks + 1))
cmp -s "$work/body" "$band" || fail "the CAD out of the vault differs from the upload"
req anna POST /api/approvals "{\"piece_id\":$piece,\"revision_id\":$rev1,\"decision\":\"approved\"}"
expect_status 409 "no approval while the piece is in design"
req dario POST "/api/pieces/$piece/move" '{"to":"approval"}'
expect_status 200 "the designer hands the design over"
req anna POST /api/approvals "{\"piece_id\":$piece,\"revision_id\":$rev1,\"decision\":\"approved\"}"
expect_status 200 "approved at the counter"
expect_in "$(jq -r .stage <<<"$body")" print "an approved piece joins the print queue"
expect_in "$(jq -r .blob_id <<<"$body")" "$blob1" "the approval binds the exact design"
# A new design after approval re-opens it.
"$LOSTWAX" demo "$work/demo2" >/dev/null 2>&1
sed 's/lostwax/LOSTWAX/' "$band" >"$work/band2.stl" # another header: another file, same shape
up dario "$piece" "$work/band2.stl" band-v2.stl
expect_status 200 "a second revision"
rev2=$(jq -r .id <<<"$body")
expect_in "$(jq -r .reopened <<<"$body")" true "re-opens the approval"
req wen GET "/api/pieces/$piece" ""
expect_in "$(jq -r .stage <<<"$body")" approval "back in approval"
expect_in "$(jq -r .approved_revision <<<"$body")" null "no approved design any more"
# The customer's link: that order's previews and prices, approve or ask for changes.
req anna POST "/api/orders/$order/link" '{"days":3}'
expect_status 200 "front makes an approval link"
token=$(jq -r .token <<<"$body")
lnk() { status=$(curl -s -o "$work/body" -w '%{http_code}' "$@"); body=$(cat "$work/body"); }
lnk "$base/api/link/$token"
expect_status 200 "the link shows the order"
expect_in "$(jq -r '.pieces[0].waiting_for_you' <<<"$body")" true "waiting for the customer"
expect_near "$(jq -r '.pieces[0].design.revision_id' <<<"$body")" "$rev2" 0 "the newest design"
expect_in "$(jq -r 'has("notes")' <<<"$body")" false "no workshop notes for the customer"
lnk "$base/api/link/$token/revisions/$rev2/preview.png"
expect_status 200 "the customer sees the preview"
lnk "$base/api/link/${token%?}A"
expect_status 403 "a wrong token"
lnk "$base/api/link/$token/revisions/$rev2/cad"
expect_status 404 "no CAD through a link"
other=$(req olga GET "/api/orders" "" && jq -r --argjson o "$order" '[.orders[] | select(.id != $o)][0].id' <<<"$body")
req olga GET "/api/orders/$other" ""
other_piece=$(jq -r '.pieces[0].id' <<<"$body")
lnk -X POST -H 'Content-Type: application/json' --data-binary "{\"piece_id\":$other_piece,\"revision_id\":$rev2,\"decision\":\"approved\"}" "$base/api/link/$token/decide"
expect_status 403 "a link cannot touch another order"
lnk -X POST -H 'Content-Type: application/json' --data-binary "{\"piece_id\":$piece,\"revision_id\":$rev1,\"decision\":\"approved\"}" "$base/api/link/$token/decide"
expect_status 409 "an older design cannot be approved"
lnk -X POST -H 'Content-Type: application/json' --data-binary "{\"piece_id\":$piece,\"revision_id\":$rev2,\"decision\":\"changes\"}" "$base/api/link/$token/decide"
expect_status 400 "changes need a comment"
lnk -X POST -H 'Content-Type: application/json' --data-binary "{\"piece_id\":$piece,\"revision_id\":$rev2,\"decision\":\"changes\",\"comment\":\"a little thinner, please\"}" "$base/api/link/$token/decide"
expect_status 200 "the customer asks for changes"
expect_in "$(jq -r .stage <<<"$body")" design "back to the designer"
req olga GET "/api/audit?limit=500" ""
actions=$(jq -r '[.entries[].action] | join(" ")' <<<"$body")
for a in revision.add cad.export preview.view approval.approve approval.changes link.create; do
  expect_in "$actions" "$a" "audited: $a"
done
# A damaged blob in the vault is found and never served.
f="$studio/vault/${blob1:0:2}/${blob1:2}"
checks=$((checks + 1))
[ -f "$f" ] || fail "the vault has no file for $blob1"
printf '\xff' | dd of="$f" bs=1 seek=100 conv=notrunc status=none
req dario GET "/api/revisions/$rev1/cad" ""
expect_status 500 "a damaged design is refused"
expect_in "$(jq -r .code <<<"$body")" corrupt "and reported as damaged"
checks=$((checks + 1))
cmp -s "$work/body" "$band" && fail "the damaged design was served"

# ---- sessions and CSRF ----
req none GET /api/board ""
expect_status 401 "no session"
saved=${csrf[anna]}
csrf[anna]=""
req anna POST /api/customers '{"name":"No token"}'
expect_status 403 "no CSRF header"
expect_in "$(jq -r .code <<<"$body")" csrf "says csrf"
csrf[anna]="${saved%?}x"
req anna POST /api/customers '{"name":"Wrong token"}'
expect_status 403 "wrong CSRF header"
csrf[anna]=$saved
req olga GET "/api/customers?q=token" ""
expect_near "$(jq '.customers | length' <<<"$body")" 0 0 "nothing written without CSRF"
req none POST /api/login '{"username":"anna","password":"wrong-password"}'
expect_status 403 "wrong password"
wrong_pw=$(jq -r .error <<<"$body")
req none POST /api/login '{"username":"nobody","password":"pw-anna-12345"}'
expect_status 403 "unknown user"
expect_in "$(jq -r .error <<<"$body")" "$wrong_pw" "the same answer for both"
req none POST /api/login '{"username":1}'
expect_status 400 "a login body of the wrong types"

# ---- bad input: a 4xx with a message, nothing written ----
before=$(req olga GET /api/customers "" && jq '.customers | length' <<<"$body")
req anna POST /api/customers '{"name": "Unclosed'
expect_status 400 "malformed JSON"
expect_in "$(jq -r .error <<<"$body")" "line 1" "says where"
req anna POST /api/customers '[1,2]'
expect_status 400 "not an object"
req anna POST /api/customers '{"name": 42}'
expect_status 400 "a number for a name"
expect_in "$(jq -r .error <<<"$body")" "name: expected text" "names the field"
req anna POST /api/customers '{"name":"A","name":"B"}'
expect_status 400 "duplicate keys"
req anna POST /api/customers '{"name":"A","role":"owner"}'
expect_status 400 "unknown field"
req anna GET /api/customers/999999 ""
expect_status 404 "unknown customer"
req anna GET /api/customers/abc ""
expect_status 404 "a path that is not an id"
req anna DELETE /api/customers ""
expect_status 405 "a method the route does not take"
req anna GET /api/no-such-thing ""
expect_status 404 "unknown route"
head -c 2000000 /dev/zero | tr '\0' 'a' >"$work/huge"
req anna POST /api/customers "" --data-binary @"$work/huge" -H 'Content-Type: application/json'
expect_status 413 "a 2 MB body"
req anna POST /api/orders "{\"customer_id\":$cust,\"pieces\":[{\"kind\":\"ring\",\"metal\":\"18k-yellow\"}]}"
expect_status 400 "a ring without a size"
req anna POST /api/orders '{"customer_id":424242,"pieces":[{"kind":"pendant","metal":"sterling"}]}'
expect_status 404 "an order for nobody"
req olga POST "/api/pieces/$piece/move" '{"to":"cast"}'
expect_status 409 "a move that skips stages"
after=$(req olga GET /api/customers "" && jq '.customers | length' <<<"$body")
expect_near "$after" "$before" 0 "nothing written by the bad requests"

# ---- the audit log holds what happened, and is intact ----
req olga GET /api/audit/verify ""
expect_in "$(jq -r .intact <<<"$body")" true "audit chain intact"
req olga GET "/api/audit?limit=500" ""
expect_in "$(jq -r '[.entries[].action] | join(" ")' <<<"$body")" "login.fail" "failed sign-ins audited"
expect_in "$(jq -r '[.entries[].action] | join(" ")' <<<"$body")" "price.set" "price changes audited"

# ---- the login rate limit; the board answers meanwhile ----
limited=0
for i in $(seq 1 14); do
  req none POST /api/login '{"username":"anna","password":"nope-nope-nope"}'
  [ "$status" = 429 ] && limited=1
done
checks=$((checks + 1))
[ "$limited" = 1 ] || fail "fourteen failed sign-ins in a row were never rate limited"
req olga GET /api/board ""
expect_status 200 "the board answers during a sign-in storm"

# ---- sign out ----
req bruno POST /api/logout '{}'
expect_status 200 "sign out"
req bruno GET /api/board ""
expect_status 401 "signed out"

# ---- static files ----
status=$(curl -s -o "$work/page" -w '%{http_code}' "$base/")
expect_status 200 "the UI's index"
expect_in "$(cat "$work/page")" "lostwax test" "serves index.html"
status=$(curl -s -o "$work/page" -w '%{http_code}' "$base/p/$code")
expect_status 200 "a QR link opens the UI"
for bad in "/../secret.txt" "/%2e%2e/secret.txt" "/.hidden" "/a/../../secret.txt"; do
  status=$(curl -s --path-as-is -o "$work/page" -w '%{http_code}' "$base$bad")
  checks=$((checks + 1))
  grep -q secret "$work/page" && fail "$bad served a file outside the web folder"
  case "$status" in 200) grep -q 'lostwax test' "$work/page" || fail "$bad: HTTP 200 with something else" ;; esac
done

finish
