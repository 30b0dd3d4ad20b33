package identity

import (
	"io/fs"
	"sort"
)

// passkeySignin is the "passkey-signin" template (the sign-in page's
// passkey section), in the passkeys' templates folder.
const passkeySignin = "templates/passkeys/_signin.html"

// withPasskeySignin returns fsys with the passkey-signin partial added to
// its templates folder as _passkey_signin.html, so that pages parsed from
// "templates" (the sign-in page) can include {{template "passkey-signin" .}}.
func withPasskeySignin(fsys fs.FS) fs.FS { return signinOverlay{fsys} }

type signinOverlay struct{ fs.FS }

const overlayName = "_passkey_signin.html"

func (o signinOverlay) Open(name string) (fs.File, error) {
	if name == "templates/"+overlayName {
		return passkeyTemplatesFS.Open(passkeySignin)
	}
	return o.FS.Open(name)
}

func (o signinOverlay) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.FS, name)
	if err != nil || name != "templates" {
		return entries, err
	}
	info, err := fs.Stat(passkeyTemplatesFS, passkeySignin)
	if err != nil {
		return nil, err
	}
	entries = append(entries, fs.FileInfoToDirEntry(renamedInfo{info}))
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, nil
}

type renamedInfo struct{ fs.FileInfo }

func (renamedInfo) Name() string { return overlayName }
