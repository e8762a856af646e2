// Contract §9 with the official socket.io-client: a file uploaded over REST goes out with
// `send_message {attachmentIds}`, reaches every member of the room in `new_message` with a link
// that works without a header, comes back in a reconnect's catch-up, and a refused id stores
// nothing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  startServer, apiOk, createUser, customerWithSession, connect, waitFor, ack, closeAll, ASYNCAPI,
} from './helpers.mjs';

let server;
const sockets = [];
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

async function open(token) {
  const s = await connect(server, token);
  sockets.push(s);
  return s;
}

async function upload(token, roomId, name, bytes, type = 'application/octet-stream') {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${server.url}/api/chat/rooms/${roomId}/attachments`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

/** The keys the AsyncAPI document requires of a schema, for checking what the server sent. */
const required = (name) => ASYNCAPI.components.schemas[name].required;

before(async () => {
  server = await startServer();
});

after(async () => {
  closeAll(...sockets);
  await server?.stop();
});

describe('attachments on messages', () => {
  it('go out with send_message and reach the room with a working link', async () => {
    const customer = await customerWithSession(server, 'Ảnh sản phẩm');
    const staff = await createUser(server, 'staff');
    await apiOk(server, 'POST', `/api/chat/sessions/${customer.session.id}/join`, { token: staff.token });
    const staffSock = await open(staff.token);
    const joined = waitFor(staffSock, 'room_history');
    assert.equal((await ack(staffSock, 'join_room', { roomId: customer.room.id })).ok, true);
    await joined;
    const customerSock = await open(customer.token);
    const first = await ack(customerSock, 'send_message', { roomId: customer.room.id, content: 'Em gửi ảnh' });
    assert.equal(first.ok, true);

    const { status, body: file } = await upload(customer.token, customer.room.id, 'pixel.gif', GIF);
    assert.equal(status, 201, JSON.stringify(file));
    assert.equal(file.contentType, 'image/gif');
    for (const key of required('Attachment')) assert.ok(key in file, `Attachment.${key}`);

    const heard = waitFor(staffSock, 'new_message', { filter: (m) => m.attachments.length > 0 });
    const sent = await ack(customerSock, 'send_message', {
      roomId: customer.room.id, attachmentIds: [file.id], clientMessageId: 'with-a-gif',
    });
    assert.equal(sent.ok, true, JSON.stringify(sent));
    assert.equal(sent.message.content, '');
    const message = await heard;
    for (const key of required('Message')) assert.ok(key in message, `Message.${key}`);
    assert.deepEqual(message.attachments.map((a) => a.id), [file.id]);
    const got = await fetch(server.url + message.attachments[0].url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), GIF);

    // A resend under the same clientMessageId acks the original, files and all.
    const again = await ack(customerSock, 'send_message', {
      roomId: customer.room.id, attachmentIds: [file.id], clientMessageId: 'with-a-gif',
    });
    assert.equal(again.ok, true);
    assert.equal(again.message.id, sent.message.id);
    assert.deepEqual(again.message.attachments.map((a) => a.id), [file.id]);

    // A reconnecting member gets the message again in the catch-up, with its files.
    const late = await open(staff.token);
    const history = waitFor(late, 'room_history');
    await ack(late, 'join_room', { roomId: customer.room.id, afterMessageId: first.message.id });
    const caught = (await history).messages.find((m) => m.id === sent.message.id);
    assert.deepEqual(caught.attachments.map((a) => a.fileName), ['pixel.gif']);
  });

  it('refuse a file that is not the sender\'s own unsent upload, storing nothing', async () => {
    const owner = await customerWithSession(server);
    const other = await customerWithSession(server);
    const { body: file } = await upload(owner.token, owner.room.id, 'note.txt', Buffer.from('Mã đơn 42'));
    assert.equal(file.contentType, 'text/plain; charset=utf-8');
    const otherSock = await open(other.token);
    const refused = await ack(otherSock, 'send_message', { roomId: other.room.id, content: 'x', attachmentIds: [file.id] });
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, 'VALIDATION_FAILED');
    const wrongType = await ack(otherSock, 'send_message', { roomId: other.room.id, content: 'x', attachmentIds: 'all' });
    assert.equal(wrongType.error.code, 'VALIDATION_FAILED');
    const page = await apiOk(server, 'GET', `/api/chat/rooms/${other.room.id}/messages`, { token: other.token });
    assert.equal(page.messages.length, 0);
  });
});
