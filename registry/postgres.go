package registry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
)

// openPostgres opens the two pools on PostgreSQL. As on SQLite, writes go
// through one connection of this process (and, across processes, one
// advisory lock, see Tx); reads through a pool of read-only connections.
func openPostgres(opt Options) (read, write *gorm.DB, err error) {
	if opt.DSN == "" {
		return nil, nil, fmt.Errorf("open database: database.dsn is required for PostgreSQL")
	}
	open := func(readOnly bool, conns int) (*gorm.DB, error) {
		cc, err := pgx.ParseConfig(opt.DSN)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", redactErr(err, opt.DSN))
		}
		cc.RuntimeParams["timezone"] = "UTC"
		cc.RuntimeParams["application_name"] = "hozur"
		if readOnly {
			cc.RuntimeParams["default_transaction_read_only"] = "on"
		}
		sqlDB := stdlib.OpenDB(*cc, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
			// Times come back in UTC, as SQLite's do, whatever the host's
			// zone.
			c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
				Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
			return nil
		}))
		sqlDB.SetMaxOpenConns(conns)
		sqlDB.SetMaxIdleConns(conns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), gormConfig())
		if err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open database: %w", redactErr(err, opt.DSN))
		}
		if err := registerUTC(g); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := sqlDB.PingContext(ctx); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open database: %w", redactErr(err, opt.DSN))
		}
		return g, nil
	}
	if write, err = open(false, 1); err != nil {
		return nil, nil, err
	}
	if read, err = open(true, readerPool(opt)); err != nil {
		if db, derr := write.DB(); derr == nil {
			_ = db.Close()
		}
		return nil, nil, err
	}
	return read, write, nil
}

// redactErr keeps a connection string's password out of an error: pgx
// quotes the DSN it could not parse.
func redactErr(err error, dsn string) error {
	if err == nil || dsn == "" {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, dsn) {
		return err
	}
	return errors.New(strings.ReplaceAll(msg, dsn, "<database.dsn>"))
}
