package devserver

import (
	"fmt"
	"os"
)

// WriteWskprops writes a wskprops file (the format of ~/.wskprops, read by
// wsk and wskdeploy through WSK_CONFIG_FILE) with APIHOST, AUTH and
// NAMESPACE. The file is private to its owner: it holds the key.
func WriteWskprops(path, apiHost, auth, namespace string) error {
	content := fmt.Sprintf("APIHOST=%s\nAUTH=%s\nNAMESPACE=%s\n", apiHost, auth, namespace)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		return fmt.Errorf("devserver: writing the wskprops file: %w", err)
	}
	return nil
}
