package registry

import (
	"context"
	"errors"
	"fmt"
	"os"

	cimage "github.com/containers/image/v5/image"
	"github.com/containers/image/v5/types"
	"golang.org/x/sys/unix"
)

// ErrNoSpace is a pull refused before it started because the blobs the
// manifest declares do not fit in the staging directory.
var ErrNoSpace = errors.New("not enough free space")

// CheckSpace reads src's manifest and refuses, before any blob is fetched,
// when the blobs it declares (layers and config, compressed sizes as the
// manifest states them) need more than the free space of dir, where a pull
// into containers storage stages them (SystemContext.BigFilesTemporaryDir).
// A manifest that claims a 100 GiB layer is then an error naming the
// layer, its size and the directory, not a disk filled to the last byte.
// Blobs the store already has are counted too (containers/image decides
// that later): the check errs on the side of asking for room.
func CheckSpace(ctx context.Context, sys *types.SystemContext, src types.ImageReference, dir string) error {
	if dir == "" {
		dir = os.TempDir() // where containers/image stages without BigFilesTemporaryDir
	}
	free, _, err := FreeSpace(dir)
	if err != nil {
		return fmt.Errorf("free space of %s: %w", dir, err)
	}
	is, err := src.NewImageSource(ctx, sys)
	if err != nil {
		return err
	}
	defer is.Close()
	img, err := cimage.FromUnparsedImage(ctx, sys, cimage.UnparsedInstance(is, nil))
	if err != nil {
		return err
	}
	return fits(append(img.LayerInfos(), img.ConfigInfo()), free, dir)
}

// FreeSpace is what an unprivileged writer may still use of dir's
// filesystem, and its size, in bytes.
func FreeSpace(dir string) (free, total int64, err error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), int64(st.Blocks) * int64(st.Bsize), nil //nolint:unconvert // types differ by platform
}

// fits checks the declared sizes against free bytes.
func fits(blobs []types.BlobInfo, free int64, dir string) error {
	var total, largest int64
	var big types.BlobInfo
	for _, b := range blobs {
		if b.Size <= 0 {
			continue // unknown: nothing to check
		}
		total += b.Size
		if b.Size > largest {
			largest, big = b.Size, b
		}
	}
	switch {
	case largest > free:
		return fmt.Errorf("%w: layer %s declares %s, and %s has %s free (set TMPDIR to a larger disk)",
			ErrNoSpace, shortDigest(big.Digest.String()), HumanBytes(largest), dir, HumanBytes(free))
	case total > free:
		return fmt.Errorf("%w: the image's blobs declare %s in all, and %s has %s free (set TMPDIR to a larger disk)",
			ErrNoSpace, HumanBytes(total), dir, HumanBytes(free))
	}
	return nil
}

func shortDigest(d string) string {
	if len(d) > len("sha256:")+12 {
		return d[:len("sha256:")+12]
	}
	return d
}

// HumanBytes is n in binary units, one decimal ("1.5 GiB").
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
