#!/usr/bin/env bash
# A scripted session against a running Hearth with the demo organization: two agents
# work a mixed queue of calls, chats and emails with Close & Next, Next, End & Close,
# End and No Reply Needed. Usage: scripts/demo-session.sh http://127.0.0.1:8080 ADMIN_TOKEN
# (the admin token is the last line `hearth serve` prints). Needs curl and python3.
set -euo pipefail
BASE=${1:?base URL}/api/v1
ADMIN="admin@example.com:${2:?admin token}"

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
call() { # user method path [body]
  local user=$1 method=$2 path=$3 body=${4:-}
  if [ -n "$body" ]; then
    curl -sS -u "$user" -X "$method" "$BASE$path" -H 'content-type: application/json' -d "$body"
  else
    curl -sS -u "$user" -X "$method" "$BASE$path"
  fi
}
token() { call "$ADMIN" POST "/admin/agents/$1/api-tokens" '{}' | json 'd["token"]'; }
agent_id() { call "$ADMIN" GET /admin/agents | json "[a['id'] for a in d if a['emailAddress']=='$1'][0]"; }
say() { printf '\n== %s\n' "$*"; }
inbound() { call "$ADMIN" POST /contacts/inbound "$1"; }
show() { call "$ADMIN" GET "/conversations/$1" | json '(d["status"], d.get("agentId","-")[:6], d["queueState"], d.get("dueAt","-"))'; }

ALICE_ID=$(agent_id alice@example.com); BOB_ID=$(agent_id bob@example.com)
INBOX=$(call "$ADMIN" GET /admin/inboxes | json 'd[0]["id"]')
say "Durations are settings: a 3-second next-message delay for this demo"
call "$ADMIN" PATCH "/admin/inboxes/$INBOX" '{"routing":{"nextMessageDelaySeconds":3}}' | json 'd["routing"]'
ALICE="alice@example.com:$(token "$ALICE_ID")"; BOB="bob@example.com:$(token "$BOB_ID")"

say "Customers write: two emails, a chat, a voicemail"
E1=$(inbound '{"channel":"EMAIL","entryPoint":"support@example.com","from":{"address":"ann@example.com","name":"Ann"},"content":{"subject":"Refund","content":"Where is my refund?"}}')
E2=$(inbound '{"channel":"EMAIL","entryPoint":"support@example.com","from":{"address":"spam@example.com"},"content":{"subject":"WIN","content":"You won!"}}')
C1=$(inbound '{"channel":"CHAT","entryPoint":"chat","from":{"address":"visitor-1"},"sessionId":"s1","content":{"content":"Hi, quick question"}}')
V1=$(inbound '{"channel":"VOICEMAIL","entryPoint":"+12065550100","from":{"address":"+12065550123"},"content":{"recordingDuration":42}}')
for c in "$E1" "$E2" "$C1" "$V1"; do echo "$c" | json 'd["conversationId"]'; done
call "$ADMIN" GET /queue | json '[(l["channel"], l["group"]) for l in d]'

say "Alice turns on Messaging and Mail: the waiting chat is pushed, and one mail item"
call "$ALICE" PUT /me/availability '{"availableFor":["MESSAGING","MAIL","TASK"]}' | json 'd'
call "$ALICE" GET /me/customers | json '[(l["channel"], l["unseen"]) for l in d]'

say "Bob turns on Voice and Mail; a call comes in and is offered to him"
call "$BOB" PUT /me/availability '{"availableFor":["VOICE","MAIL","TASK"]}' | json 'd'
P1=$(inbound '{"channel":"PHONE_CALL","entryPoint":"+12065550100","from":{"address":"+12065550155"}}')
OFFER=$(call "$BOB" GET /offers | json 'd[0]["id"]')
echo "offer $OFFER"; call "$BOB" POST "/offers/$OFFER/accept" | json '(d["status"], "answered" if "dueAt" not in d else "ringing")'

say "Alice answers the chat, then End & Close: the chat ends, she stays available for chats"
C1_CONV=$(echo "$C1" | json 'd["conversationId"]'); C1_ITEM=$(echo "$C1" | json 'd["itemId"]')
call "$ALICE" POST "/conversation-items/$C1_ITEM/reply" '{"content":{"type":"CHAT_MESSAGE","body":"Sure, ask away!"}}' > /dev/null
call "$ALICE" GET "/conversations/$C1_CONV/actions" | json '(d["primary"]["label"], [b["label"] for b in d["more"]])'
call "$ALICE" POST "/conversations/$C1_CONV/actions" '{"action":"END_AND_CLOSE"}' | json '(d["conversation"]["status"], d["next"])'
call "$ALICE" GET /me/availability | json 'd["availableFor"]'

say "Alice takes the next customer with Next (her own work first), reads it"
NEXT=$(call "$ALICE" POST /me/next '{"source":"AVAILABILITY_BAR"}' | json 'd["next"]["id"]'); echo "next $NEXT"
call "$ALICE" GET "/conversations/$NEXT/items" | json '[i["content"]["type"] for i in d]'
call "$ALICE" GET "/conversations/$NEXT/actions" | json '(d["primary"]["label"], [b["label"] for b in d["more"]], d["replyMissing"])'

say "Close & Next without a reply is refused until confirmed"
call "$ALICE" POST "/conversations/$NEXT/actions" '{"action":"CLOSE_AND_NEXT"}' | json 'd["errors"][0]["meta"]["reason"]'
call "$ALICE" POST "/conversations/$NEXT/actions" '{"action":"CLOSE_AND_NEXT","confirmNoReply":true}' | json '(d["conversation"]["status"], d["next"])'

say "Bob ends his call with End... (the caller hangs up) and presses Next"
P1_CONTACT=$(echo "$P1" | json 'd["contactId"]')
call "$ADMIN" POST "/contacts/$P1_CONTACT/end" '{"reason":"CUSTOMER_ENDED"}'
P1_CONV=$(echo "$P1" | json 'd["conversationId"]'); show "$P1_CONV"
call "$BOB" GET "/conversations/$P1_CONV/items" > /dev/null
NEXTB=$(call "$BOB" POST "/conversations/$P1_CONV/actions" '{"action":"NEXT"}' | json 'd["next"]["id"] if d["next"] else None'); echo "bob next $NEXTB"
show "$P1_CONV"

say "The spam email needs no reply: No Reply Needed, then Close"
for who in "$ALICE" "$BOB"; do
  for id in $(call "$who" GET /me/customers | json '" ".join(l["id"] for l in d)'); do
    if [ "$id" = "$(echo "$E2" | json 'd["conversationId"]')" ]; then
      call "$who" GET "/conversations/$id/items" > /dev/null
      call "$who" POST "/conversations/$id/actions" '{"action":"NO_REPLY_NEEDED"}' | json '(d["conversation"]["status"], d["conversation"].get("dueAt","no due date"))'
      call "$who" POST "/conversations/$id/actions" '{"action":"CLOSE"}' | json '(d["conversation"]["status"], d["next"])'
    fi
  done
done

say "A second chat arrives during Alice's next-message delay; it is pushed when the delay ends"
C2=$(inbound '{"channel":"CHAT","entryPoint":"chat","from":{"address":"visitor-2"},"sessionId":"s2","content":{"content":"Hello?"}}')
C2_CONV=$(echo "$C2" | json 'd["conversationId"]'); C2_ITEM=$(echo "$C2" | json 'd["itemId"]')
show "$C2_CONV"; sleep 4; show "$C2_CONV"
say "End (not End & Close) leaves the chat WAITING for follow-up"
call "$ALICE" POST "/conversation-items/$C2_ITEM/reply" '{"content":{"type":"CHAT_MESSAGE","body":"Hi!"}}' > /dev/null
call "$ALICE" POST "/conversations/$C2_CONV/actions" '{"action":"END"}' | json '(d["conversation"]["status"], d["next"])'

say "Where everything stands"
for c in "$E1" "$E2" "$C1" "$V1" "$P1" "$C2"; do id=$(echo "$c" | json 'd["conversationId"]'); printf '%s ' "$id"; show "$id"; done
say "Why the first chat went to Alice"
call "$ADMIN" GET "/conversations/$C1_CONV/routing" | json '[(x["input"], x["outcome"], x["rule"], [(c["eligible"], c["reasons"]) for c in x["candidates"]]) for x in d][:2]'
