package service

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/recd/recd/gbdt"
	"github.com/recd/recd/rank"
)

// rankerMagic and rankerCodecVersion head an encoded ranker: magic, version (uint16), the
// feature names' hash (uint64), the names (uint32 count, each uint16 length and bytes), the
// model (uint32 length and gbdt bytes), then the CRC-32 of everything before it.
const (
	rankerMagic        = "recd-ranker\x00"
	rankerCodecVersion = 1
)

// errCorruptRanker is the error of an encoded ranker that does not decode.
var errCorruptRanker = errors.New("ranker model is corrupt")

// encodeRanker encodes a trained model with the feature names it was trained on.
func encodeRanker(names []string, model []byte) []byte {
	var b bytes.Buffer
	b.WriteString(rankerMagic)
	binary.Write(&b, binary.LittleEndian, uint16(rankerCodecVersion))
	binary.Write(&b, binary.LittleEndian, rank.HashFeatures(names))
	binary.Write(&b, binary.LittleEndian, uint32(len(names)))
	for _, n := range names {
		binary.Write(&b, binary.LittleEndian, uint16(len(n)))
		b.WriteString(n)
	}
	binary.Write(&b, binary.LittleEndian, uint32(len(model)))
	b.Write(model)
	binary.Write(&b, binary.LittleEndian, crc32.ChecksumIEEE(b.Bytes()))
	return b.Bytes()
}

// decodeRanker decodes an encoded ranker and checks it against the pipeline's feature set:
// a blob that is cut, altered or of another format is errCorruptRanker, a model of other
// features rank.ErrFeatureSet.
func decodeRanker(blob []byte, fs rank.FeatureSet) (*rank.Ranker, error) {
	if len(blob) < len(rankerMagic)+2+8+4+4+4 || string(blob[:len(rankerMagic)]) != rankerMagic {
		return nil, fmt.Errorf("%w: not a ranker model", errCorruptRanker)
	}
	body, sum := blob[:len(blob)-4], binary.LittleEndian.Uint32(blob[len(blob)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errCorruptRanker)
	}
	r := bytes.NewReader(body[len(rankerMagic):])
	var version uint16
	var hash uint64
	var count uint32
	binary.Read(r, binary.LittleEndian, &version)
	binary.Read(r, binary.LittleEndian, &hash)
	if version != rankerCodecVersion {
		return nil, fmt.Errorf("%w: format %d, this binary reads %d", errCorruptRanker, version, rankerCodecVersion)
	}
	if err := binary.Read(r, binary.LittleEndian, &count); err != nil || int(count) > r.Len() {
		return nil, fmt.Errorf("%w: bad feature count", errCorruptRanker)
	}
	names := make([]string, count)
	for i := range names {
		var n uint16
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil || int(n) > r.Len() {
			return nil, fmt.Errorf("%w: bad feature name", errCorruptRanker)
		}
		buf := make([]byte, n)
		r.Read(buf)
		names[i] = string(buf)
	}
	var size uint32
	if err := binary.Read(r, binary.LittleEndian, &size); err != nil || int(size) != r.Len() {
		return nil, fmt.Errorf("%w: bad model length", errCorruptRanker)
	}
	if rank.HashFeatures(names) != hash {
		return nil, fmt.Errorf("%w: feature names do not match their hash", errCorruptRanker)
	}
	mb := make([]byte, size)
	r.Read(mb)
	m := new(gbdt.Model)
	if err := m.UnmarshalBinary(mb); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorruptRanker, err)
	}
	return rank.NewRanker(m, names, fs)
}
