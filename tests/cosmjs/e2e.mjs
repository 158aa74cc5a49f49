// Stock CosmJS against a real Weave node, run by tests/tests/cosmjs.rs.
//
// Environment: WEAVE_RPC (CometBFT RPC URL), DIRECT_MNEMONIC and AMINO_MNEMONIC (funded
// accounts), RECIPIENT (an address), CONTENT_ID and PRICE (a registered content and its
// price). A direct signer and an amino signer each send tokens with `fee: "auto"`
// (Simulate over ABCI Query), balances are read back, both transactions are found by
// CometBFT's tx_search, and the amino signer buys access to the content with a
// /weave.content.v1.MsgPurchaseAccess signed in amino JSON. Prints one JSON object.
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import {
  AminoTypes,
  GasPrice,
  SigningStargateClient,
  StargateClient,
  createDefaultAminoConverters,
  defaultRegistryTypes,
} from "@cosmjs/stargate";
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary.js";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const rpc = env("WEAVE_RPC");
const recipient = env("RECIPIENT");
const contentId = BigInt(env("CONTENT_ID"));
const price = env("PRICE");

// /weave.content.v1.MsgPurchaseAccess, encoded by hand from weave/content/v1/tx.proto:
// buyer = 1 (string), content_id = 2 (uint64), quantity = 3 (uint64),
// max_total_price = 4 (string).
const MsgPurchaseAccess = {
  typeUrl: "/weave.content.v1.MsgPurchaseAccess",
  encode(m, w = BinaryWriter.create()) {
    if (m.buyer !== "") w.uint32(10).string(m.buyer);
    if (m.contentId !== 0n) w.uint32(16).uint64(m.contentId);
    if (m.quantity !== 0n) w.uint32(24).uint64(m.quantity);
    if (m.maxTotalPrice !== "") w.uint32(34).string(m.maxTotalPrice);
    return w;
  },
  decode(input, length) {
    const r = input instanceof BinaryReader ? input : new BinaryReader(input);
    const end = length === undefined ? r.len : r.pos + length;
    const m = MsgPurchaseAccess.fromPartial({});
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag >>> 3) {
        case 1: m.buyer = r.string(); break;
        case 2: m.contentId = BigInt(r.uint64().toString()); break;
        case 3: m.quantity = BigInt(r.uint64().toString()); break;
        case 4: m.maxTotalPrice = r.string(); break;
        default: r.skipType(tag & 7);
      }
    }
    return m;
  },
  fromPartial(o) {
    return {
      buyer: o.buyer ?? "",
      contentId: BigInt(o.contentId ?? 0),
      quantity: BigInt(o.quantity ?? 0),
      maxTotalPrice: o.maxTotalPrice ?? "",
    };
  },
};

// Weave's amino types: the amino name (README) and the fields by proto name, with
// empty ones left out, 64-bit integers as strings.
const weaveAminoConverters = {
  [MsgPurchaseAccess.typeUrl]: {
    aminoType: "weave/content/MsgPurchaseAccess",
    toAmino: (m) => {
      const v = {};
      if (m.buyer !== "") v.buyer = m.buyer;
      if (m.contentId !== 0n) v.content_id = m.contentId.toString();
      if (m.quantity !== 0n) v.quantity = m.quantity.toString();
      if (m.maxTotalPrice !== "") v.max_total_price = m.maxTotalPrice;
      return v;
    },
    fromAmino: (v) =>
      MsgPurchaseAccess.fromPartial({
        buyer: v.buyer,
        contentId: BigInt(v.content_id ?? "0"),
        quantity: BigInt(v.quantity ?? "0"),
        maxTotalPrice: v.max_total_price,
      }),
  },
};

const registry = new Registry([...defaultRegistryTypes, [MsgPurchaseAccess.typeUrl, MsgPurchaseAccess]]);
const aminoTypes = new AminoTypes({ ...createDefaultAminoConverters(), ...weaveAminoConverters });
const options = { registry, aminoTypes, gasPrice: GasPrice.fromString("0.025uweave") };

const direct = await DirectSecp256k1HdWallet.fromMnemonic(env("DIRECT_MNEMONIC"), { prefix: "weave" });
const amino = await Secp256k1HdWallet.fromMnemonic(env("AMINO_MNEMONIC"), { prefix: "weave" });
const [{ address: directAddr }] = await direct.getAccounts();
const [{ address: aminoAddr }] = await amino.getAccounts();

const query = await StargateClient.connect(rpc);
const balance = async (a) => BigInt((await query.getBalance(a, "uweave")).amount);
const feeOf = (res) => {
  // The fee the transaction paid, from its events (weave's ante emits tx.fee).
  for (const e of res.events) {
    if (e.type !== "tx") continue;
    for (const a of e.attributes) if (a.key === "fee") return BigInt(a.value.replace("uweave", ""));
  }
  throw new Error(`no fee event in ${JSON.stringify(res.events)}`);
};
const check = (res, what) => {
  if (res.code !== 0) throw new Error(`${what} failed: code ${res.code}: ${res.rawLog}`);
  return res;
};

const out = { directAddr, aminoAddr, chainId: await query.getChainId() };
out.before = {
  direct: (await balance(directAddr)).toString(),
  amino: (await balance(aminoAddr)).toString(),
  recipient: (await balance(recipient)).toString(),
};
// An account the chain has never seen: getAccount answers null.
const stranger = await DirectSecp256k1HdWallet.generate(12, { prefix: "weave" });
out.unknownAccount = await query.getAccount((await stranger.getAccounts())[0].address);

const sends = [];
for (const [name, wallet, from] of [["direct", direct, directAddr], ["amino", amino, aminoAddr]]) {
  const client = await SigningStargateClient.connectWithSigner(rpc, wallet, options);
  const res = check(
    await client.sendTokens(from, recipient, [{ denom: "uweave", amount: "1234" }], "auto", `cosmjs ${name} <&>`),
    `${name} send`,
  );
  sends.push({ name, hash: res.transactionHash, height: res.height, gasWanted: res.gasWanted.toString(),
    gasUsed: res.gasUsed.toString(), fee: feeOf(res).toString() });
}
out.sends = sends;

// Search both transactions by their events over CometBFT's tx_search.
out.search = {};
for (const s of sends) {
  const from = s.name === "direct" ? directAddr : aminoAddr;
  const bySender = await query.searchTx(`message.sender='${from}'`);
  const byRecipient = await query.searchTx(`weave.bank.v1.EventTransfer.recipient='${recipient}'`);
  out.search[s.name] = {
    bySender: bySender.map((t) => t.hash),
    byRecipient: byRecipient.map((t) => t.hash),
  };
}

// A Weave message in amino JSON.
const aminoClient = await SigningStargateClient.connectWithSigner(rpc, amino, options);
const purchase = {
  typeUrl: MsgPurchaseAccess.typeUrl,
  value: MsgPurchaseAccess.fromPartial({ buyer: aminoAddr, contentId, quantity: 1n, maxTotalPrice: price }),
};
const bought = check(await aminoClient.signAndBroadcast(aminoAddr, [purchase], "auto", "buy"), "purchase");
out.purchase = { hash: bought.transactionHash, fee: feeOf(bought).toString() };

out.after = {
  direct: (await balance(directAddr)).toString(),
  amino: (await balance(aminoAddr)).toString(),
  recipient: (await balance(recipient)).toString(),
};
out.all = (await query.getAllBalances(recipient)).map((c) => `${c.amount}${c.denom}`);
out.aminoSequence = (await query.getSequence(aminoAddr)).sequence;
console.log(JSON.stringify(out));
