package gateway

// decodeFlat decodes the frame clients send most, a message: a JSON object
// of string members with plain names, each at most once, such as
//
//	{"type":"message","id":"c-1","conv":"6f1c","text":"Hola"}
//
// without reflection. It reports false for anything else (another member,
// a value that is not a string, an escape, a repeated name, a syntax
// error) and leaves f to json.Unmarshal, which then decides. Where it
// reports true, json.Unmarshal would have set the same fields
// (FuzzDecodeFlat). data must be valid UTF-8, as decodeFrame checks first.
func decodeFlat(data []byte, f *Frame) bool {
	var seen uint8
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return skipSpace(data, i+1) == len(data)
	}
	for {
		name, next, ok := plainString(data, i)
		if !ok {
			return false
		}
		i = skipSpace(data, next)
		if i >= len(data) || data[i] != ':' {
			return false
		}
		value, next, ok := plainString(data, skipSpace(data, i+1))
		if !ok {
			return false
		}
		var dst *string
		var bit uint8
		switch string(name) {
		case "type":
			dst, bit = &f.Type, 1
		case "id":
			dst, bit = &f.ID, 2
		case "conv":
			dst, bit = &f.Conv, 4
		case "text":
			dst, bit = &f.Text, 8
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		*dst = string(value)
		i = skipSpace(data, next)
		if i >= len(data) {
			return false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return skipSpace(data, i+1) == len(data)
		default:
			return false
		}
	}
}

// plainString reads the JSON string starting at data[i] when it holds no
// escape and no control character: its contents, and the index after its
// closing quote.
func plainString(data []byte, i int) (s []byte, next int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return nil, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < 0x20:
			return nil, 0, false
		}
	}
	return nil, 0, false
}

// skipSpace returns the index of the first byte at or after i that is not
// JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}
