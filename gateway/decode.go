package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// frameError is a problem with one client frame, reported to the client in
// an error frame; the connection goes on.
type frameError struct {
	ID   string // the client id of the frame, when it could be read
	Code string
	Msg  string
}

func (e *frameError) Error() string { return e.Code + ": " + e.Msg }

// Limits on the fields of client frames.
const (
	maxIDLen   = 128
	maxNameLen = 200
	maxLangs   = 16
	maxResume  = 64
)

// decodeFrame parses and validates one client frame. It never panics; every
// problem comes back as a *frameError carrying the frame's id if it had one.
func decodeFrame(data []byte, maxBytes int) (Frame, *frameError) {
	var f Frame
	if !utf8.Valid(data) {
		f.ID = peekID(data)
		return f, &frameError{f.ID, CodeInvalidUTF8, "frame is not valid UTF-8"}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return f, &frameError{"", CodeBadJSON, "frame must be a JSON object"}
	}
	if !decodeFlat(trimmed, &f) {
		f = Frame{} // decodeFlat may have set fields before it gave up
		if err := json.Unmarshal(trimmed, &f); err != nil {
			id := peekID(data)
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return Frame{ID: id}, &frameError{id, CodeBadFrame, "field " + te.Field + " must be " + te.Type.String()}
			}
			return Frame{ID: id}, &frameError{id, CodeBadJSON, "frame is not valid JSON"}
		}
	}
	if len(data) > maxBytes {
		return f, &frameError{f.ID, CodeTooLarge, "frame is over the size limit"}
	}
	if e := validate(&f); e != nil {
		e.ID = f.ID
		return f, e
	}
	return f, nil
}

// peekID reads the id of a frame that did not decode as a whole, so that its
// error can name it.
func peekID(data []byte) string {
	var f struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(bytes.ToValidUTF8(data, []byte("\uFFFD")), &f) != nil || len(f.ID) > maxIDLen {
		return ""
	}
	return f.ID
}

// validate checks the fields a frame of its type needs.
func validate(f *Frame) *frameError {
	bad := func(msg string) *frameError { return &frameError{Code: CodeBadFrame, Msg: msg} }
	if len(f.ID) > maxIDLen {
		return bad("id is longer than 128 bytes")
	}
	if f.Conv != "" && !validID(f.Conv) {
		return bad("conv is not a conversation id")
	}
	if f.Seq < 0 {
		return bad("seq must not be negative")
	}
	switch f.Type {
	case "":
		return bad("type is missing")
	case TypeHello:
		return validateHello(f)
	case TypeMessage:
		if f.ID == "" {
			return bad("message needs an id")
		}
		if strings.TrimSpace(f.Text) == "" {
			return bad("message needs a text")
		}
	case TypeTyping:
		if f.Conv == "" || f.Typing == nil {
			return bad("typing needs conv and typing")
		}
	case TypeRead:
		if f.Conv == "" || f.Seq == 0 {
			return bad("read needs conv and seq")
		}
	case TypePresence:
		switch f.Status {
		case "online", "away", "offline":
		default:
			return bad("status must be online, away or offline")
		}
		if f.Capacity < 0 || f.Capacity > 100 {
			return bad("capacity must be between 0 and 100")
		}
	case TypeAccept, TypeClose, TypeResume, TypeHandoff:
		if f.Conv == "" {
			return bad(f.Type + " needs conv")
		}
	case TypeTransfer:
		if f.Conv == "" || !validID(f.Agent) {
			return bad("transfer needs conv and agent")
		}
	case TypeTranslate:
		if f.Conv == "" || f.Enabled == nil {
			return bad("translate needs conv and enabled")
		}
	case TypePing:
	default:
		return &frameError{Code: CodeUnknownType, Msg: "unknown frame type"}
	}
	return nil
}

func validateHello(f *Frame) *frameError {
	bad := func(msg string) *frameError { return &frameError{Code: CodeBadFrame, Msg: msg} }
	switch f.Role {
	case RoleCustomer, RoleAgent, RoleBot:
	default:
		return bad("role must be customer, agent or bot")
	}
	if len(f.Name) > maxNameLen || len(f.Email) > maxNameLen {
		return bad("name and email must be at most 200 bytes")
	}
	if len(f.Languages) > maxLangs || len(f.Resume) > maxResume {
		return bad("too many languages or resume entries")
	}
	for conv, seq := range f.Resume {
		if !validID(conv) || seq < 0 {
			return bad("resume maps conversation ids to seqs of zero or more")
		}
	}
	if f.Role != RoleCustomer && f.Token == "" && (f.Agent == "" || f.Secret == "") {
		return bad("agent and bot hellos need agent and secret, or token")
	}
	if f.Identity != nil && (f.Identity.ID == "" || len(f.Identity.ID) > maxIDLen || f.Identity.Hash == "") {
		return bad("identity needs id and hash")
	}
	return nil
}
