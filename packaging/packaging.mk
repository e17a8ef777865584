# packaging.mk: .deb, .rpm and release files made from the static build/musl/ward.
#
#   make deb              dist/ward_VERSION_ARCH.deb (lintian-clean, reproducible)
#   make rpm              dist/ward-VERSION-1.ARCH.rpm
#   make dist             both, dist/ward-VERSION-ARCH-static and dist/SHA256SUMS
#   make test-packaging   tests/packaging/test.sh
#
# Builds are reproducible: SOURCE_DATE_EPOCH defaults to the date of the top
# entry of packaging/debian/changelog (then to the last commit).

DEB_ARCH ?= $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
RPM_ARCH ?= $(shell uname -m)
SOURCE_DATE_EPOCH ?= $(shell dpkg-parsechangelog -l packaging/debian/changelog \
	-S Timestamp 2>/dev/null || git log -1 --format=%ct 2>/dev/null || echo 0)

DIST_DEB = dist/ward_$(VERSION)_$(DEB_ARCH).deb
DIST_RPM = dist/ward-$(VERSION)-1.$(RPM_ARCH).rpm
DIST_BIN = dist/ward-$(VERSION)-$(RPM_ARCH)-static
PKG_DOCS = packaging/ward.1 LICENSE VERSION $(wildcard README.md)

.PHONY: deb rpm dist test-packaging

deb: $(DIST_DEB)

$(DIST_DEB): build/musl/ward $(PKG_DOCS) $(wildcard packaging/debian/*)
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) packaging/debian/mkdeb.sh \
	  build/musl/ward $(VERSION) $(DEB_ARCH) build/deb $@

rpm: $(DIST_RPM)

$(DIST_RPM): build/musl/ward $(PKG_DOCS) packaging/rpm/ward.spec
	rm -rf build/rpm
	SOURCE_DATE_EPOCH=$(SOURCE_DATE_EPOCH) rpmbuild --quiet -bb \
	  --define "_topdir $(CURDIR)/build/rpm" \
	  --define "ward_srcdir $(CURDIR)" --define "ward_version $(VERSION)" \
	  packaging/rpm/ward.spec
	@mkdir -p dist
	cp build/rpm/RPMS/$(RPM_ARCH)/$(notdir $@) $@

$(DIST_BIN): build/musl/ward
	@mkdir -p dist
	install -m 0755 build/musl/ward $@
	touch -d @$(SOURCE_DATE_EPOCH) $@

dist: dist/SHA256SUMS

dist/SHA256SUMS: $(DIST_DEB) $(DIST_RPM) $(DIST_BIN)
	cd dist && sha256sum $(notdir $^) >SHA256SUMS
	cat $@

test-packaging:
	tests/packaging/test.sh

TEST_EXTRA += test-packaging
