import assert from 'node:assert/strict';
import { direction, dropAudioSsrc, ensureBundle, firstCodec, isHold, isWebRtc } from '../src/sdp';
import { flagsFor, ngCodecName } from '../src/profiles';

const base = (extra: string): string => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${extra}`;

describe('sdp helpers', () => {
  describe('direction (RFC 3264 §8.4 hold)', () => {
    it('reads the audio m-section attribute over the session one', () => {
      assert.equal(direction(base('a=sendrecv\r\nm=audio 4000 RTP/AVP 0\r\na=sendonly\r\n')), 'sendonly');
    });
    it('defaults to sendrecv and treats c=0.0.0.0 as inactive (RFC 2543 hold)', () => {
      assert.equal(direction(base('m=audio 4000 RTP/AVP 0\r\n')), 'sendrecv');
      assert.equal(direction(base('m=audio 4000 RTP/AVP 0\r\n').replace('c=IN IP4 127.0.0.1', 'c=IN IP4 0.0.0.0')), 'inactive');
    });
    it('a sendonly or inactive offer is a hold, recvonly is not', () => {
      assert.equal(isHold(base('m=audio 1 RTP/AVP 0\r\na=inactive\r\n')), true);
      assert.equal(isHold(base('m=audio 1 RTP/AVP 0\r\na=recvonly\r\n')), false);
    });
  });
  it('firstCodec skips telephone-event and maps static payload types', () => {
    assert.equal(firstCodec(base('m=audio 1 RTP/AVP 101 8\r\na=rtpmap:101 telephone-event/8000\r\n')), 'PCMA/8000');
    assert.equal(firstCodec(base('m=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n')), 'opus/48000/2');
    assert.equal(firstCodec(base('')), null);
  });
  it('isWebRtc recognises UDP/TLS/RTP/SAVPF', () => {
    assert.equal(isWebRtc(base('m=audio 1 UDP/TLS/RTP/SAVPF 111\r\n')), true);
    assert.equal(isWebRtc(base('m=audio 1 RTP/AVP 0\r\n')), false);
  });
  describe('ensureBundle (rtpengine 10.5 omits a=group:BUNDLE)', () => {
    it('adds the group with every mid at session level, before the first m-line', () => {
      const out = ensureBundle(base('m=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n'));
      assert.match(out, /t=0 0\r\na=group:BUNDLE 0\r\nm=audio/);
    });
    it('leaves an SDP that has a group, or no mid, unchanged', () => {
      const has = base('a=group:BUNDLE 1\r\nm=audio 1 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\n');
      assert.equal(ensureBundle(has), has);
      const none = base('m=audio 1 RTP/AVP 0\r\n');
      assert.equal(ensureBundle(none), none);
    });
  });
  describe('dropAudioSsrc (rtpengine 10.5 copies the other leg\'s a=ssrc but transcodes under its own SSRC)', () => {
    it('removes a=ssrc and a=ssrc-group from audio m-sections only (video keeps its SSRCs and RTX group)', () => {
      const sdp = base('m=audio 1 UDP/TLS/RTP/SAVPF 0 96\r\na=mid:0\r\na=ssrc:1341614955 cname:sip:dave@x\r\na=ssrc-group:FID 1 2\r\na=rtpmap:96 opus/48000/2\r\n'
        + 'm=video 2 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=ssrc-group:FID 11 12\r\na=ssrc:11 cname:c\r\na=ssrc:12 cname:c\r\n');
      const out = dropAudioSsrc(sdp);
      const audio = out.slice(0, out.indexOf('m=video'));
      const video = out.slice(out.indexOf('m=video'));
      assert.doesNotMatch(audio, /a=ssrc/);
      assert.match(audio, /a=mid:0\r\na=rtpmap:96 opus\/48000\/2\r\n$/);
      assert.equal(video, 'm=video 2 UDP/TLS/RTP/SAVPF 96 97\r\na=mid:1\r\na=ssrc-group:FID 11 12\r\na=ssrc:11 cname:c\r\na=ssrc:12 cname:c\r\n');
    });
    it('leaves an SDP without a=ssrc unchanged', () => {
      const none = base('m=audio 1 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n');
      assert.equal(dropAudioSsrc(none), none);
    });
  });
  describe('profiles as ng flags', () => {
    it('WebRTC: ICE forced, DTLS-SRTP profile, rtcp-mux required, mids generated', () => {
      const f = flagsFor({ kind: 'webrtc' });
      assert.equal(f['transport-protocol'], 'UDP/TLS/RTP/SAVPF');
      assert.equal(f.ICE, 'force');
      assert.deepEqual(f['rtcp-mux'], ['offer', 'require']);
      assert.deepEqual(f.flags, ['generate mid']);
    });
    it('trunk: RTP/AVP without ICE, only the trunk codecs leave (mask all + transcode)', () => {
      const f = flagsFor({ kind: 'trunk', codecs: ['PCMA', 'G.729'] });
      assert.equal(f['transport-protocol'], 'RTP/AVP');
      assert.equal(f.ICE, 'remove');
      assert.deepEqual(f.codec, { mask: ['all'], transcode: ['PCMA', 'G729', 'telephone-event'] });
    });
    it('codec names follow rtpengine', () => {
      assert.equal(ngCodecName('g.729'), 'G729');
      assert.equal(ngCodecName('OPUS'), 'opus');
    });
  });
});
