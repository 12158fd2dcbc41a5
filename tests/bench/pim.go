package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"oxlite/core/protocol"
	"oxlite/storage"
)

// The address book and task figures (issue 3): contacts all of 50 and
// 1,000 rows, contacts search, tasks all, contacts updates with 10 changes
// among 100,000 contacts, and the time to import 10,000 vCards.

var pim struct {
	user                 *protocol.User
	small, big, huge     int64 // contact folders with 50, 1,000 and 100,000 contacts
	tasks                int64
	hugeBefore           int64 // sequence value before the 10 changes
	importFolder         int64
	contactCols, taskCol string
}

func init() {
	setups = append(setups, setupPIM)
	pim.contactCols = "1,20,500,501,502,524,555,556,557,569,592,602"
	pim.taskCol = "1,20,200,202,203,300,301,309,316,317,401,5"
	endpoints = append(endpoints,
		Endpoint{Name: "contacts all 50x12", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("contacts?action=all&folder=%d&columns=%s&sort=607&order=asc", pim.small, pim.contactCols)
			}},
		Endpoint{Name: "contacts all 1000x12", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("contacts?action=all&folder=%d&columns=%s&sort=607&order=asc", pim.big, pim.contactCols)
			}},
		Endpoint{Name: "contacts search", Method: http.MethodPut, Target: 0.5,
			Path: func() string { return pathf("contacts?action=search&columns=%s", pim.contactCols) },
			Body: func() string { return fmt.Sprintf(`{"pattern":"Mey*","folder":[%d]}`, pim.big) }},
		Endpoint{Name: "tasks all 50", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("tasks?action=all&folder=%d&columns=%s&sort=202&order=asc", pim.tasks, pim.taskCol)
			}},
		Endpoint{Name: "contacts updates 10 of 100k", Method: http.MethodGet, Target: 0.5,
			Path: func() string {
				return pathf("contacts?action=updates&folder=%d&timestamp=%d&columns=%s&ignore=none", pim.huge, pim.hugeBefore, pim.contactCols)
			}},
	)
	extras = append(extras, Extra{Name: "import 10000 vCards", Run: benchImport})
}

func pathf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

var lastNames = []string{"Meyer", "Schmidt", "Müller", "Smith", "Dubois", "Rossi", "Tanaka", "Nowak", "García", "Olsen"}

func contactRow(folder, uid int64, i int) *storage.ContactRow {
	last := lastNames[i%len(lastNames)]
	first := fmt.Sprintf("Person%d", i)
	return &storage.ContactRow{FolderID: folder, CreatedBy: uid, DisplayName: last + ", " + first, FirstName: first, LastName: last,
		Company: "Example Corp", Email1: fmt.Sprintf("p%d@example.com", i),
		Fields: map[string]any{"telephone_business1": fmt.Sprintf("+49 30 %07d", i), "city_business": "Berlin", "department": "Sales"}}
}

// fillFolder creates a private contacts folder of the bench user with n contacts.
func fillFolder(ctx context.Context, e *Env, title, module string, n int) (int64, error) {
	var folder int64
	err := e.DB.Write(ctx, pim.user.ContextID, func(tx *storage.Tx) error {
		var err error
		if folder, err = tx.NextID(storage.SeqFolder); err != nil {
			return err
		}
		uid := pim.user.ID
		if err := tx.InsertFolder(&storage.Folder{ID: folder, Parent: 1, Title: title, Module: module, Type: 1, Owner: uid,
			CreatedBy: uid, ModifiedBy: uid, Subscribed: true,
			Permissions: []storage.Permission{{Entity: uid, Folder: 64, Read: 64, Write: 64, Delete: 64, Admin: true}}}); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			c := contactRow(folder, uid, i)
			if c.ID, err = tx.NextID(storage.SeqContact); err != nil {
				return err
			}
			if err := tx.InsertContact(c); err != nil {
				return err
			}
		}
		return nil
	})
	return folder, err
}

func setupPIM(e *Env) error {
	ctx := context.Background()
	c, err := e.DB.ContextByName(ctx, "default")
	if err != nil {
		return err
	}
	u, err := e.DB.UserByLogin(ctx, c.ID, "bench")
	if err != nil {
		return err
	}
	pim.user = &protocol.User{ContextID: c.ID, ID: u.ID, Login: u.Login, TimeZone: "UTC", Locale: "en_US", Groups: u.Groups}
	t0 := time.Now()
	if pim.small, err = fillFolder(ctx, e, "Bench 50", "contacts", 50); err != nil {
		return err
	}
	if pim.big, err = fillFolder(ctx, e, "Bench 1000", "contacts", 1000); err != nil {
		return err
	}
	if pim.huge, err = fillFolder(ctx, e, "Bench 100000", "contacts", 100000); err != nil {
		return err
	}
	if pim.importFolder, err = fillFolder(ctx, e, "Bench import", "contacts", 0); err != nil {
		return err
	}
	if pim.tasks, err = e.DB.DefaultFolder(ctx, c.ID, u.ID, "tasks"); err != nil {
		return err
	}
	for i := 0; i < 50; i++ {
		obj := map[string]any{"title": fmt.Sprintf("Task %d", i), "note": "bench", "status": 1, "priority": 1 + i%3,
			"percent_completed": 0, "full_time": true, "start_time": int64(1767225600000 + int64(i)*86400000),
			"end_time": int64(1767225600000 + int64(i+3)*86400000)}
		if _, _, err := e.App.Tasks.CreateTask(ctx, pim.user, pim.tasks, obj); err != nil {
			return fmt.Errorf("creating task: %w", err)
		}
	}
	// Ten changes in the big folder after a known sequence value.
	if pim.hugeBefore, err = e.DB.LastStamp(ctx, c.ID); err != nil {
		return err
	}
	rows, err := e.DB.FolderContactRows(ctx, c.ID, pim.huge, 0)
	if err != nil {
		return err
	}
	for i := 0; i < 10; i++ {
		row := rows[i*9973%len(rows)]
		row.Fields["note"] = fmt.Sprintf("changed %d", i)
		if err := e.DB.Write(ctx, c.ID, func(tx *storage.Tx) error { return tx.UpdateContactRow(row, u.ID) }); err != nil {
			return err
		}
	}
	fmt.Printf("setup: 101,050 contacts and 50 tasks in %s\n", time.Since(t0).Round(time.Millisecond))
	return nil
}

func benchImport(e *Env) error {
	var vcf strings.Builder
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&vcf, "BEGIN:VCARD\r\nVERSION:3.0\r\nN:%s;Imported%d;;;\r\nFN:Imported%d %s\r\nEMAIL;TYPE=INTERNET:i%d@example.org\r\nTEL;TYPE=WORK:+1 555 %07d\r\nORG:Import Ltd\r\nEND:VCARD\r\n",
			lastNames[i%len(lastNames)], i, i, lastNames[i%len(lastNames)], i, i)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, _ := mw.CreateFormFile("file", "contacts.vcf")
	_, _ = io.WriteString(part, vcf.String())
	mw.Close()
	req := e.request(e.URL, Endpoint{Method: http.MethodPost, Path: func() string { return pathf("import?action=VCARD&folder=%d", pim.importFolder) }})
	req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	req.ContentLength = int64(body.Len())
	req.Header.Set("Content-Type", mw.FormDataContentType())
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t0)
	if n := bytes.Count(out, []byte(`"last_modified"`)); n != 10000 {
		return fmt.Errorf("import stored %d of 10000: %.300s", n, out)
	}
	fmt.Printf("%-34s %10s   (%.0f vCards/s; reported alone)\n", "import 10000 vCards", d.Round(time.Millisecond), 10000/d.Seconds())
	return nil
}
