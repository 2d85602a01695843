package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"hozur/registry"
	"hozur/web/locale"
)

func (a *app) userCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users: add, passwd, list, reset-totp"}
	cmd.AddCommand(a.userAddCmd(), a.userPasswdCmd(), a.userListCmd(), a.userResetTOTPCmd())
	return cmd
}

// readPassword reads one line from standard input.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("no password on standard input")
	}
	return pw, nil
}

// describe turns a domain error into "field: reason" in English, the
// messages the pages show.
func describe(err error) error {
	cat, lerr := locale.Load()
	if lerr != nil {
		return err
	}
	l := cat.For("en", time.UTC)
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		fields := make([]string, 0, len(ve.Fields))
		for f := range ve.Fields {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		lines := make([]string, len(fields))
		for i, f := range fields {
			lines[i] = f + ": " + l.T(ve.Fields[f])
		}
		return errors.New(strings.Join(lines, "\n       "))
	}
	var ce *registry.ConflictError
	if errors.As(err, &ce) {
		if ce.Field != "" {
			return fmt.Errorf("%s: %s", ce.Field, l.TArgs(ce.Key, ce.Args))
		}
		return errors.New(l.TArgs(ce.Key, ce.Args))
	}
	return err
}

func (a *app) userAddCmd() *cobra.Command {
	var username, role, agency string
	var official int64
	var stdin bool
	cmd := &cobra.Command{
		Use:     "add",
		Short:   "Add a user",
		Example: "  printf '%s\\n' \"$PASSWORD\" | hozur user add --data ./data --username sara --role reviewer --password-stdin\n  hozur user add --username liaison1 --role liaison --agency MIN-HEALTH --password-stdin < pw.txt",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !stdin {
				return errors.New("--password-stdin is required: passwords are never taken as arguments")
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			_, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			in := registry.UserInput{Username: username, Password: pw, Role: registry.Role(role), OfficialID: official, Active: true}
			if agency != "" {
				ag, err := st.AgencyByCode(ctx, agency)
				if err != nil {
					return fmt.Errorf("agency %q: %w", agency, err)
				}
				in.AgencyID = ag.ID
			}
			u, err := st.CreateUser(ctx, registry.System, in)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "created user %s (%s), id %d\n", u.Username, u.Role, u.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "user name (required)")
	cmd.Flags().StringVar(&role, "role", "", "admin, reviewer, liaison, official or auditor (required)")
	cmd.Flags().StringVar(&agency, "agency", "", "agency code, for a liaison")
	cmd.Flags().Int64Var(&official, "official", 0, "official's id, for an official")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	_ = cmd.MarkFlagRequired("username")
	_ = cmd.MarkFlagRequired("role")
	return cmd
}

func (a *app) userPasswdCmd() *cobra.Command {
	var username string
	var stdin bool
	cmd := &cobra.Command{
		Use:   "passwd",
		Short: "Set a user's password (ends their sessions)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !stdin {
				return errors.New("--password-stdin is required: passwords are never taken as arguments")
			}
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			_, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			if err := st.SetPassword(cmd.Context(), registry.System, username, pw); err != nil {
				return describe(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "password of %s changed\n", username)
			return nil
		},
	}
	cmd.Flags().StringVar(&username, "username", "", "user name (required)")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password from standard input")
	_ = cmd.MarkFlagRequired("username")
	return cmd
}

// userResetTOTPCmd removes a user's second factor: the way back in for an
// administrator who lost their phone and their recovery codes, when no
// other administrator can reset it from the user's page.
func (a *app) userResetTOTPCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "reset-totp USERNAME",
		Short:   "Remove a user's two-factor sign-in (audited); an administrator enrols again at their next sign-in",
		Example: "  hozur user reset-totp --data ./data admin",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			u, err := st.UserByUsername(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("user %q: %w", args[0], err)
			}
			if err := st.ResetTOTP(cmd.Context(), registry.System, u.ID); err != nil {
				return describe(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "two-factor sign-in of %s removed; their next sign-in takes the password alone\n", u.Username)
			return nil
		},
	}
}

func (a *app) userListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tUSERNAME\tROLE\tAGENCY\tOFFICIAL\tACTIVE\tLAST SIGN-IN")
			page := registry.Page{PerPage: 200}
			for {
				res, err := st.Users(cmd.Context(), registry.System, registry.UserFilter{}, page)
				if err != nil {
					return err
				}
				for _, u := range res.Items {
					last := "-"
					if u.LastLoginAt != nil {
						last = u.LastLoginAt.Format("2006-01-02 15:04")
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%t\t%s\n", u.ID, u.Username, u.Role, idOrDash(u.AgencyID), idOrDash(u.OfficialID), u.Active, last)
				}
				if res.Next == "" {
					break
				}
				page.Cursor = res.Next
			}
			return w.Flush()
		},
	}
}

func idOrDash(p *int64) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}

func (a *app) tokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var username, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a personal API token; the token is printed alone on the last line",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, st, err := a.open(cmd)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			u, err := st.UserByUsername(cmd.Context(), username)
			if err != nil {
				return fmt.Errorf("user %q: %w", username, err)
			}
			raw, _, err := st.CreateToken(cmd.Context(), registry.System, u.ID, name)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "token for %s (shown once; keep it secret):\n", u.Username)
			fmt.Fprintln(cmd.OutOrStdout(), raw)
			return nil
		},
	}
	create.Flags().StringVar(&username, "username", "", "whose token (required)")
	create.Flags().StringVar(&name, "name", "cli", "a name to recognise the token by")
	_ = create.MarkFlagRequired("username")
	cmd.AddCommand(create)
	return cmd
}
