package identity

import (
	"io/fs"
	"sort"
)

// federationSignin is the "federation-signin" template (the sign-in
// page's card for the external provider), in the federation templates
// folder. It renders nothing unless the page's Data has a non-nil
// "Federation" (a *Federation).
const federationSignin = "templates/federation/_signin.html"

// withFederationSignin returns fsys with the federation-signin partial
// added to its templates folder as _federation_signin.html, so that pages
// parsed from "templates" (the sign-in page) can include
// {{template "federation-signin" .}}.
func withFederationSignin(fsys fs.FS) fs.FS {
	return partialOverlay{FS: fsys, name: "_federation_signin.html", src: federationTemplatesFS, path: federationSignin}
}

// partialOverlay adds the file path of src to the "templates" folder of
// FS under name.
type partialOverlay struct {
	fs.FS
	name string
	src  fs.FS
	path string
}

func (o partialOverlay) Open(name string) (fs.File, error) {
	if name == "templates/"+o.name {
		return o.src.Open(o.path)
	}
	return o.FS.Open(name)
}

func (o partialOverlay) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.FS, name)
	if err != nil || name != "templates" {
		return entries, err
	}
	info, err := fs.Stat(o.src, o.path)
	if err != nil {
		return nil, err
	}
	entries = append(entries, fs.FileInfoToDirEntry(namedInfo{info, o.name}))
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, nil
}

type namedInfo struct {
	fs.FileInfo
	name string
}

func (i namedInfo) Name() string { return i.name }

// Until NewHTTP parses its pages through withFederationSignin, keep it
// referenced; remove this line when wiring it in.
